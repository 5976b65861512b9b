/* SPDX-License-Identifier: Apache-2.0 */
/* Runs a fuzz target over files named on the command line (a corpus), so
 * every build, sanitizers included, replays the corpus without libFuzzer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
        int i, n = 0;

        for (i = 1; i < argc; i++) {
                FILE *f = fopen(argv[i], "rb");
                unsigned char *buf;
                long len;

                if (f == NULL) {
                        fprintf(stderr, "%s: cannot open\n", argv[i]);
                        return 1;
                }
                if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
                        fclose(f);
                        return 1;
                }
                buf = malloc((size_t)len + 1);
                if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
                        free(buf);
                        fclose(f);
                        return 1;
                }
                fclose(f);
                (void)LLVMFuzzerTestOneInput(buf, (size_t)len);
                free(buf);
                n++;
        }
        printf("%d passed, 0 failed\n", n);
        return 0;
}
