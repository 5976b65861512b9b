/* SPDX-License-Identifier: Apache-2.0 */
/* A small in-tree unit-test harness that also runs under Wine: TEST() bodies
 * register themselves, ASSERT_* print file:line and both values, and main()
 * ends with the "N passed, N failed" line CI reads. Exit 1 on any failure. */
#ifndef VOLATTACH_TEST_HARNESS_H
#define VOLATTACH_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct harness_test {
        const char *name;
        void (*fn)(void);
};

#define HARNESS_MAX_TESTS 512
extern struct harness_test harness_tests[HARNESS_MAX_TESTS];
extern int harness_ntests;
extern int harness_failed_now;

/* Registration through a constructor keeps each test next to its body. */
#define TEST(tname)                                                      \
        static void test_##tname(void);                                  \
        __attribute__((constructor)) static void register_##tname(void)  \
        {                                                                \
                if (harness_ntests < HARNESS_MAX_TESTS) {                \
                        harness_tests[harness_ntests].name = #tname;     \
                        harness_tests[harness_ntests].fn = test_##tname; \
                        harness_ntests++;                                \
                }                                                        \
        }                                                                \
        static void test_##tname(void)

#define HARNESS_FAIL(...)                                       \
        do {                                                    \
                fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
                fprintf(stderr, __VA_ARGS__);                   \
                fputc('\n', stderr);                            \
                harness_failed_now = 1;                         \
                return;                                         \
        } while (0)

#define ASSERT_TRUE(c)                                            \
        do {                                                      \
                if (!(c))                                         \
                        HARNESS_FAIL("assertion failed: %s", #c); \
        } while (0)

#define ASSERT_EQ_INT(a, b)                                                     \
        do {                                                                    \
                long long a_ = (long long)(a), b_ = (long long)(b);             \
                if (a_ != b_)                                                   \
                        HARNESS_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_); \
        } while (0)

#define ASSERT_OK(r)                                                 \
        do {                                                         \
                long long r_ = (long long)(r);                       \
                if (r_ < 0)                                          \
                        HARNESS_FAIL("%s failed with %lld", #r, r_); \
        } while (0)

/* r must be the negative code -code. */
#define ASSERT_ERR(r, code)                                                                     \
        do {                                                                                    \
                long long r_ = (long long)(r);                                                  \
                if (r_ != -(long long)(code))                                                   \
                        HARNESS_FAIL("%s: expected -%s (%d), got %lld", #r, #code, (int)(code), \
                                     r_);                                                       \
        } while (0)

#define ASSERT_STREQ(a, b)                                                                 \
        do {                                                                               \
                const char *a_ = (a), *b_ = (b);                                           \
                if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                       \
                        HARNESS_FAIL("%s == %s: '%s' != '%s'", #a, #b, a_ ? a_ : "(null)", \
                                     b_ ? b_ : "(null)");                                  \
        } while (0)

/* Substring check, for error messages. */
#define ASSERT_CONTAINS(hay, needle)                                                        \
        do {                                                                                \
                const char *h_ = (hay), *n_ = (needle);                                     \
                if (h_ == NULL || strstr(h_, n_) == NULL)                                   \
                        HARNESS_FAIL("'%s' does not contain '%s'", h_ ? h_ : "(null)", n_); \
        } while (0)

#define ASSERT_NOT_CONTAINS(hay, needle)                                    \
        do {                                                                \
                const char *h_ = (hay), *n_ = (needle);                     \
                if (h_ != NULL && strstr(h_, n_) != NULL)                   \
                        HARNESS_FAIL("'%s' must not contain '%s'", h_, n_); \
        } while (0)

/* Define once per test binary, in exactly one file. */
#define HARNESS_MAIN()                                                                  \
        struct harness_test harness_tests[HARNESS_MAX_TESTS];                           \
        int harness_ntests;                                                             \
        int harness_failed_now;                                                         \
        int main(int argc, char **argv)                                                 \
        {                                                                               \
                int i, passed = 0, failed = 0;                                          \
                for (i = 0; i < harness_ntests; i++) {                                  \
                        if (argc > 1 && strstr(harness_tests[i].name, argv[1]) == NULL) \
                                continue;                                               \
                        harness_failed_now = 0;                                         \
                        harness_tests[i].fn();                                          \
                        if (harness_failed_now) {                                       \
                                failed++;                                               \
                                fprintf(stderr, "FAIL %s\n", harness_tests[i].name);    \
                        } else {                                                        \
                                passed++;                                               \
                        }                                                               \
                }                                                                       \
                printf("%d passed, %d failed\n", passed, failed);                       \
                return failed ? 1 : 0;                                                  \
        }

#endif
