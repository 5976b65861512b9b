/* SPDX-License-Identifier: Apache-2.0 */
/* The simulator backend: an in-memory initiator with targets, sessions,
 * devices and fault injection, for unit tests of the engine and planner.
 * It proves the seam is complete: no core change was needed for it. One
 * instance can be driven through several ops tables, each presenting what
 * one real backend can do (sim_ops). */
#ifndef VOLATTACH_TESTS_BACKEND_SIM_H
#define VOLATTACH_TESTS_BACKEND_SIM_H

#include <stddef.h>

#include "core/initiator.h"

/* Everything but a batch login: the engine tests' default. */
extern const struct initiator_ops initiator_sim_ops;

enum sim_profile {
        SIM_PROFILE_SIM = 0,   /* initiator_sim_ops */
        SIM_PROFILE_OPENISCSI, /* open-iscsi's table: all of it, the batch login too */
        SIM_PROFILE_ISCSIDSC,  /* iscsidsc's: no discovery, no batch, LUNs to 255; disks stay */
        SIM_PROFILE_BARE,      /* no optional operation, no capability bit */
        SIM_PROFILE_COUNT,
};

/* The table of a profile; every one drives the same kind of instance
 * (open it through any). The instance itself still removes disks on
 * device_remove under the iscsidsc profile: only the table differs. */
const struct initiator_ops *sim_ops(enum sim_profile p);

struct sim_fault {
        const char *iqn;      /* the target it applies to; NULL: every target */
        int login_error;      /* negative va_errcode returned by login */
        unsigned login_fails; /* fail this many logins, then succeed; 0: always */
        unsigned device_late; /* find_device misses this many calls first */
        int no_device;        /* the LUN never shows a device */
};

/* A target on a portal with LUNs 0..nluns-1; user/secret NULL: no CHAP.
 * in_user/in_secret non-NULL: the target also proves itself (mutual). */
int sim_add_target(struct initiator *ini, const char *iqn, const char *portal, unsigned nluns,
                   const char *user, const char *secret, const char *in_user,
                   const char *in_secret);
int sim_set_fault(struct initiator *ini, const struct sim_fault *f);
/* Discovery auth the simulated portal demands (NULL: none). */
void sim_set_discovery_auth(struct initiator *ini, const char *user, const char *secret);
/* A real-time pause in every login (a wide window for races to show). */
void sim_set_login_delay_ms(struct initiator *ini, unsigned ms);
/* Each login waits until n logins are in it at once (at most 10 s, so an
 * engine that logs in one at a time fails the test instead of hanging). */
void sim_set_login_rendezvous(struct initiator *ini, size_t n);
/* multipath_ready's answer (and whether multipath_assemble works). */
void sim_set_multipath(struct initiator *ini, int available);
/* login_batch fails with code (negative) and logs nothing in; 0: it works. */
void sim_set_batch_error(struct initiator *ini, int code);
size_t sim_batch_calls(struct initiator *ini); /* login_batch calls that logged in */
/* add_target calls made while a login_batch was under way (open-iscsi's
 * clears leftover records then: none may race it) */
size_t sim_adds_during_batch(struct initiator *ini);
void sim_mark_in_use(struct initiator *ini, const char *device_path, int in_use);
void sim_drop_sessions(struct initiator *ini);

/* device_tag fails with code (negative); 0: it works. */
void sim_set_tag_error(struct initiator *ini, int code);
size_t sim_tag_calls(struct initiator *ini);
/* The device path recorded for a volume id by device_tag, or NULL. */
const char *sim_tag_of(struct initiator *ini, const char *volume_id);

size_t sim_login_calls(struct initiator *ini);
size_t sim_max_concurrent_logins(struct initiator *ini);
size_t sim_session_count(struct initiator *ini);
size_t sim_record_count(struct initiator *ini); /* targets recorded by add_target */
const char *sim_initiator_name(struct initiator *ini);
int sim_device_read_only(struct initiator *ini, const char *path);

#endif
