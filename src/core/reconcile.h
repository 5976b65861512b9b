/* SPDX-License-Identifier: Apache-2.0 */
/* Reconcile: one metadata answer against what volattach has attached, as
 * a pure plan (attach the new, detach the gone and unused, keep and report
 * the gone but in use), and the round that carries it out with the attach
 * engine and detach's rules. It never forces, and never detaches on an
 * answer that is not a complete, valid one. */
#ifndef VOLATTACH_CORE_RECONCILE_H
#define VOLATTACH_CORE_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/attach.h"
#include "core/detach.h"
#include "core/volume.h"

/* What one fetch gave. */
enum reconcile_answer {
        /* unreachable, 404, not JSON, an empty body, volumes not a list (the
         * exit-3 class): nothing changes, and every detach count restarts */
        RECONCILE_ANSWER_NONE = 0,
        /* meta_data.json is valid but a vendor document could not be read or
         * is invalid, or an item was rejected without a volume id: new
         * volumes are attached, nothing is detached */
        RECONCILE_ANSWER_PARTIAL,
        /* every document read and valid */
        RECONCILE_ANSWER_VALID,
};

/* A volume is detached only after this many valid answers in a row left it
 * out of its list: one answer never detaches anything, so an empty answer
 * right after a failed fetch cannot. */
#define RECONCILE_CONFIRM_ROUNDS 2
/* After a failed attach, a volume waits 1, 2, 4 ... rounds, at most this
 * many, before the next try (a target that is down costs a login deadline
 * per try). */
#define RECONCILE_BACKOFF_MAX_ROUNDS 32

/* The answer's class from a load: rc is meta_load's (0 or negative; any
 * failure of the fetch itself is NONE too, so pass -1 then), none is the
 * service's 404, bad_docs meta_load's count. Pure. */
enum reconcile_answer reconcile_answer_of(int rc, int none, unsigned bad_docs,
                                          const struct volume_set *set);

/* The list a volume came from, by document kind rather than location, so a
 * file, a config drive and the service agree: "meta_data.json: volumes[2]"
 * and "http://.../meta_data.json: volumes" both give "meta_data: volumes";
 * "...vendor_data2.json: volattach.volumes[0]" gives
 * "vendor_data2: volattach.volumes". */
void reconcile_list_key(const char *source, char *buf, size_t len);

/* What the loop remembers between rounds, per volume id. */
struct reconcile_entry {
        char id[VOLUME_ID_LEN + 1];
        unsigned absent;   /* valid answers in a row that left it out */
        unsigned fails;    /* failed attaches in a row */
        unsigned skip;     /* rounds still to wait before the next try */
        int reported_gone; /* "gone, waiting for confirmation" said once */
};

struct reconcile_memory {
        struct reconcile_entry *v;
        size_t n, cap;
        unsigned answered; /* rounds with an answer (not NONE) so far */
};

void reconcile_memory_free(struct reconcile_memory *m);

/* One attached volume as the plan sees it. */
struct reconcile_attached {
        const char *id;
        const char *source; /* its state file's: the list it came from */
        int healthy;        /* every path has a live session and its device */
};

enum reconcile_kind {
        RECONCILE_KEEP = 0, /* wanted, attached, healthy: nothing to do */
        RECONCILE_ATTACH,   /* wanted and not attached, or attached but not healthy */
        RECONCILE_BACKOFF,  /* would attach, but waits after failures */
        RECONCILE_DETACH, /* left out of RECONCILE_CONFIRM_ROUNDS valid answers: detach if unused */
        RECONCILE_WAIT,   /* left out, not yet confirmed */
        RECONCILE_HOLD,   /* not decidable this round (no valid answer, its list
                           * missing, or its item rejected): left as it is */
};

struct reconcile_step {
        enum reconcile_kind kind;
        const char *id;
        size_t wanted;   /* index into the wanted set, or SIZE_MAX */
        size_t attached; /* index into the attached array, or SIZE_MAX */
};

struct reconcile_plan {
        struct reconcile_step *v;
        size_t n;
};

/* The plan for one round, and the memory updated for it. wanted may be
 * empty (NONE). The first round with an answer attaches every wanted
 * volume, healthy or not, as attach does (idempotent: it also makes sure
 * the initiator service runs and is set to start); later ones only what is
 * new or broken. Pure: no OS call, no clock. -VA_E_NOMEM. */
int reconcile_plan_make(const struct volume_set *wanted, enum reconcile_answer answer,
                        const struct reconcile_attached *att, size_t natt,
                        struct reconcile_memory *mem, struct reconcile_plan *ret);
void reconcile_plan_free(struct reconcile_plan *p);

/* Where attached volumes are remembered (the CLI's state files; memory in
 * the tests). load gives every one (*ret malloc'd, each cleared with
 * attached_volume_clear). */
struct reconcile_store {
        int (*load)(void *ctx, struct attached_volume **ret, size_t *ret_n, struct va_err *err);
        int (*save)(void *ctx, const struct attach_result *res, struct va_err *err);
        int (*remove)(void *ctx, const char *id, struct va_err *err);
        void *ctx;
};

/* One volume's part in a round, for the result file. */
enum reconcile_vstatus {
        RECONCILE_V_KEPT = 0, /* attached and healthy, nothing done */
        RECONCILE_V_ATTACHED, /* attached this round (or checked on the first) */
        RECONCILE_V_DEGRADED, /* attached with a path down */
        RECONCILE_V_FAILED,   /* its attach failed */
        RECONCILE_V_BACKOFF,  /* waits after failures */
        RECONCILE_V_DETACHED, /* gone from the metadata, detached */
        RECONCILE_V_IN_USE,   /* gone, but its device is in use: kept */
        RECONCILE_V_DETACH_FAILED,
        RECONCILE_V_WAITING, /* gone, not yet confirmed */
        RECONCILE_V_HELD,    /* not decidable this round */
        RECONCILE_V_COUNT
};
/* "kept", "attached", ... as docs/json.md lists them. */
const char *reconcile_vstatus_name(enum reconcile_vstatus s);

struct reconcile_volume {
        char id[VOLUME_ID_LEN + 1];
        enum reconcile_vstatus status;
        int have_device;
        struct initiator_device device;
        char error[VA_ERR_MSG_MAX]; /* "" when none */
};

/* What a round did, for the log and the result file. */
struct reconcile_outcome {
        enum reconcile_answer answer;
        size_t wanted, kept, attached, degraded, failed, backoff;
        size_t detached, in_use, waiting, held, detach_failed;
        int changed;                /* something was attached or detached */
        struct reconcile_volume *v; /* per volume; free with reconcile_outcome_free */
        size_t nv, capv;
};

void reconcile_outcome_free(struct reconcile_outcome *o);

/* One round (ret: zeroed before the first, then the last round's, which
 * it frees): the attached volumes from the store, checked against the OS
 * (sessions and devices as they are now, not as remembered), the plan,
 * then detaches (never forced: a device in use stays, with a notice, and
 * is tried again next round) and the attaches (attach_run on the volumes
 * to attach only, with o). Every change is logged at notice level.
 * Returns 0, or a negative code when the round could not run at all (the
 * store or the initiator unreadable: nothing was changed). */
int reconcile_round(const struct initiator_ops *ops, struct initiator *ini,
                    const struct reconcile_store *store, const struct volume_set *wanted,
                    enum reconcile_answer answer, const struct attach_options *o,
                    struct reconcile_memory *mem, struct reconcile_outcome *ret,
                    struct va_err *err);

/* The pause before the next round: interval_ms with +-10% jitter from rnd,
 * so that a rack of hosts does not poll the metadata service in step. */
unsigned reconcile_next_ms(unsigned interval_ms, uint32_t rnd);

#endif
