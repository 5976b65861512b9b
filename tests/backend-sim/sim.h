/* The simulator backend: an in-memory initiator with targets, sessions,
 * devices and fault injection, for unit tests of the engine and planner.
 * It proves the seam is complete: no core change was needed for it. */
#ifndef VOLATTACH_TESTS_BACKEND_SIM_H
#define VOLATTACH_TESTS_BACKEND_SIM_H

#include <stddef.h>

#include "core/initiator.h"

extern const struct initiator_ops initiator_sim_ops;

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
void sim_set_login_delay_ms(struct initiator *ini, unsigned ms);
void sim_set_multipath(struct initiator *ini, int available);
/* login_batch logs in (as open-iscsi's); off, it declines, as a backend
 * without one would. */
void sim_set_batch(struct initiator *ini, int on);
size_t sim_batch_calls(struct initiator *ini);
/* add_target calls made while a login_batch was under way (open-iscsi's
 * clears leftover records then: none may race it) */
size_t sim_adds_during_batch(struct initiator *ini);
void sim_mark_in_use(struct initiator *ini, const char *device_path, int in_use);
void sim_drop_sessions(struct initiator *ini);

size_t sim_login_calls(struct initiator *ini);
size_t sim_max_concurrent_logins(struct initiator *ini);
size_t sim_session_count(struct initiator *ini);
size_t sim_record_count(struct initiator *ini); /* targets recorded by add_target */
const char *sim_initiator_name(struct initiator *ini);
int sim_device_read_only(struct initiator *ini, const char *path);

#endif
