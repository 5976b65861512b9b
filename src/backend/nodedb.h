/* SPDX-License-Identifier: Apache-2.0 */
/* open-iscsi's node database under /etc/iscsi as volattach uses it: where
 * a record lives, the settings it writes into one, records made from a
 * template, and the sweep of volattach's leftover records. */
#ifndef VOLATTACH_BACKEND_NODEDB_H
#define VOLATTACH_BACKEND_NODEDB_H

#include <stddef.h>

#include "backend/noderec.h"
#include "core/initiator.h"

struct plat_mutex;

#define NODEDB_ROOT            "/etc/iscsi"
#define NODEDB_NODES_DIR       NODEDB_ROOT "/nodes"
#define NODEDB_SENDTARGETS_DIR NODEDB_ROOT "/send_targets"
#define NODEDB_IFACES_DIR      NODEDB_ROOT "/ifaces"
#define NODEDB_INITIATORNAME   NODEDB_ROOT "/initiatorname.iscsi"

/* Finds the record of iqn at p (an address, not a DNS name) in buf: the
 * current layout nodes/<iqn>/<addr>,<port>,<tpgt>/<iface> or the plain file
 * nodes/<iqn>/<addr>,<port>. 0 found, -VA_E_NOTFOUND. */
int nodedb_find(const struct portal *p, const char *iqn, char *buf, size_t len);

/* The discovery record of SendTargets portal p (an address). */
void nodedb_sendtargets_path(const struct portal *p, char *buf, size_t len);

/* Writes the settings into the record at path, atomically and root-only, so
 * a reader sees the old record or the new one, never a torn one. */
int nodedb_update(const char *path, const struct noderec_set *sets, size_t nsets,
                  struct va_err *err);

/* Appends to sets[k..] (keys in keys[k..]) the CHAP settings of a under
 * prefix ("node.session.auth", "discovery.sendtargets.auth"); returns the
 * new count. The values point into a: the sets live no longer than it. */
size_t nodedb_auth_sets(const struct auth *a, const char *prefix, struct noderec_set *sets,
                        char keys[][96], size_t k);

/* Removes a record file iscsiadm could not delete, and the directories
 * above it that it leaves empty. 0 when it was removed. */
int nodedb_remove(const char *path);

/* Records made from one iscsid.conf differ only in node.name and
 * node.conn[0].address/port (checked in the lab), and an iscsiadm costs
 * ~160 ms of CPU per volume at boot under the lab's TCG (BENCHMARKS.md):
 * the first record iscsiadm wrote in a run is the template of the next. */
struct nodedb_template {
        struct plat_mutex *mu;
        char *text; /* guarded by mu; may hold iscsid.conf's default CHAP */
        size_t len;
};

int nodedb_template_init(struct nodedb_template *t);
void nodedb_template_free(struct nodedb_template *t);

/* Keeps the record iscsiadm just made at path as the template, unless
 * there is one. */
void nodedb_template_keep(struct nodedb_template *t, const char *path);

/* Writes the record of iqn at p from the template, as "iscsiadm -o new"
 * would (the plain file, root-only), its path in path. -VA_E_NOTFOUND when
 * there is no template yet. */
int nodedb_from_template(struct nodedb_template *t, const struct portal *p, const char *iqn,
                         char *path, size_t len);

/* Removes every record on volattach's iface that is not in want[] (paths
 * as nodedb_find gives them) and has no session in ses[]: a volume dropped
 * from the metadata, a crash, a manual logout. A batch login would
 * otherwise log in a volume the metadata no longer lists (the boot policy,
 * README). 0 when none is left. */
int nodedb_sweep_leftovers(char *const *want, size_t nwant, const struct initiator_session *ses,
                           size_t nses, struct va_err *err);

#endif
