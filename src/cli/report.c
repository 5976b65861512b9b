/* SPDX-License-Identifier: Apache-2.0 */
/* Renderings of the model for the operator and for machines. */
#include "cli/report.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "core/plan.h"

static cJSON *
auth_json(const struct auth *a)
{
        cJSON *o;

        if (a->kind == AUTH_NONE)
                return cJSON_CreateNull();
        o = cJSON_CreateObject();
        if (o == NULL)
                return NULL;
        (void)cJSON_AddStringToObject(o, "method", a->kind == AUTH_MUTUAL ? "mutual_chap" : "chap");
        (void)cJSON_AddStringToObject(o, "username", a->out.user);
        (void)cJSON_AddStringToObject(o, "secret", "(set)");
        if (a->kind == AUTH_MUTUAL) {
                (void)cJSON_AddStringToObject(o, "target_username", a->in.user);
                (void)cJSON_AddStringToObject(o, "target_secret", "(set)");
        }
        return o;
}

cJSON *
report_volume_json(const struct volume *v)
{
        cJSON *o = cJSON_CreateObject(), *paths;
        size_t i;

        if (o == NULL)
                return NULL;
        (void)cJSON_AddStringToObject(o, "id", v->id);
        (void)cJSON_AddStringToObject(o, "source", v->source);
        if (v->initiator[0])
                (void)cJSON_AddStringToObject(o, "initiator", v->initiator);
        else
                (void)cJSON_AddNullToObject(o, "initiator");
        (void)cJSON_AddStringToObject(o, "paths_policy",
                                      v->policy == PATHS_SINGLE      ? "single"
                                      : v->policy == PATHS_MULTIPATH ? "multipath"
                                                                     : "discover");
        (void)cJSON_AddItemToObject(o, "auth", auth_json(&v->auth));
        (void)cJSON_AddItemToObject(o, "discovery_auth", auth_json(&v->discovery));
        (void)cJSON_AddStringToObject(o, "access_mode", v->read_only ? "ro" : "rw");
        (void)cJSON_AddBoolToObject(o, "encrypted", v->encrypted);
        (void)cJSON_AddBoolToObject(o, "enforce_multipath", v->enforce_multipath);
        paths = cJSON_AddArrayToObject(o, "paths");
        for (i = 0; paths != NULL && i < v->npaths; i++) {
                cJSON *p = cJSON_CreateObject();
                char portal[PORTAL_TEXT_MAX];

                if (p == NULL)
                        break;
                (void)portal_format(&v->paths[i].portal, portal, sizeof(portal));
                (void)cJSON_AddStringToObject(p, "portal", portal);
                (void)cJSON_AddStringToObject(p, "target_iqn", v->paths[i].iqn);
                (void)cJSON_AddNumberToObject(p, "lun", v->paths[i].lun);
                (void)cJSON_AddNumberToObject(p, "host_lun", v->paths[i].host_lun);
                (void)cJSON_AddItemToArray(paths, p);
        }
        return o;
}

cJSON *
report_device_json(const struct initiator_device *d)
{
        cJSON *o = cJSON_CreateObject();

        if (o == NULL)
                return NULL;
        (void)cJSON_AddStringToObject(o, "path", d->path);
        if (d->by_path[0])
                (void)cJSON_AddStringToObject(o, "by_path", d->by_path);
        else
                (void)cJSON_AddNullToObject(o, "by_path");
        /* the stable name (Linux: /dev/disk/by-volume-id/<id>) */
        if (d->by_volume_id[0])
                (void)cJSON_AddStringToObject(o, "by_volume_id", d->by_volume_id);
        else
                (void)cJSON_AddNullToObject(o, "by_volume_id");
        (void)cJSON_AddStringToObject(o, "kind",
                                      d->kind == INITIATOR_DEVICE_MULTIPATH ? "multipath" : "disk");
        (void)cJSON_AddStringToObject(o, "wwid", d->wwid);
        (void)cJSON_AddStringToObject(o, "serial", d->serial);
        (void)cJSON_AddNumberToObject(o, "size_bytes", (double)d->size_bytes);
        (void)cJSON_AddBoolToObject(o, "read_only", d->read_only);
        report_disk_state_json(o, d);
        return o;
}

/* d->volumes: lines of '|'-separated fields, the volume GUID path first */
static cJSON *
volumes_json(const char *text)
{
        cJSON *a = cJSON_CreateArray();
        const char *line = text;

        while (a != NULL && *line != '\0') {
                size_t n = strcspn(line, "\n");
                char buf[sizeof(((struct initiator_device *)0)->volumes)];
                char *save = NULL, *f;
                cJSON *v = cJSON_CreateObject(), *paths;

                (void)snprintf(buf, sizeof(buf), "%.*s", (int)n, line);
                f = strtok_r(buf, "|", &save);
                if (v == NULL || f == NULL) {
                        cJSON_Delete(v);
                        break;
                }
                (void)cJSON_AddStringToObject(v, "name", f);
                paths = cJSON_AddArrayToObject(v, "paths");
                while ((f = strtok_r(NULL, "|", &save)) != NULL)
                        (void)cJSON_AddItemToArray(paths, cJSON_CreateString(f));
                (void)cJSON_AddItemToArray(a, v);
                line += n + (line[n] == '\n');
        }
        return a;
}

void
report_disk_state_json(cJSON *o, const struct initiator_device *d)
{
        if (d->online == 0)
                return; /* only where the OS says (Windows disk attributes) */
        (void)cJSON_AddBoolToObject(o, "online", d->online > 0);
        if (d->partition_style[0])
                (void)cJSON_AddStringToObject(o, "partition_style", d->partition_style);
        (void)cJSON_AddItemToObject(o, "volumes", volumes_json(d->volumes));
        if (d->unique_id[0])
                (void)cJSON_AddStringToObject(o, "unique_id", d->unique_id);
        if (d->recorded_id[0])
                (void)cJSON_AddStringToObject(o, "recorded_volume_id", d->recorded_id);
        else
                (void)cJSON_AddNullToObject(o, "recorded_volume_id");
}

void
report_disk_state_text(FILE *f, const char *indent, const struct initiator_device *d)
{
        const char *line = d->volumes;

        if (d->online == 0)
                return;
        while (*line != '\0') {
                size_t n = strcspn(line, "\n"), i;

                fprintf(f, "%svolume ", indent);
                for (i = 0; i < n; i++)
                        fputc(line[i] == '|' ? ' ' : line[i], f);
                fputc('\n', f);
                line += n + (line[n] == '\n');
        }
        if (d->recorded_id[0])
                fprintf(f, "%svolume id %s recorded (HKLM\\SOFTWARE\\volattach\\Disks\\%s)\n",
                        indent, d->recorded_id, d->unique_id);
}

cJSON *
report_items_json(const struct volume_set *s)
{
        static const char *const st[] = { "ok", "skipped", "rejected" };
        cJSON *a = cJSON_CreateArray();
        size_t i;

        for (i = 0; a != NULL && i < s->nitems; i++) {
                cJSON *o = cJSON_CreateObject();

                if (o == NULL)
                        break;
                (void)cJSON_AddStringToObject(o, "source", s->items[i].source);
                if (s->items[i].id[0])
                        (void)cJSON_AddStringToObject(o, "id", s->items[i].id);
                else
                        (void)cJSON_AddNullToObject(o, "id");
                (void)cJSON_AddStringToObject(o, "status", st[s->items[i].status]);
                if (s->items[i].reason != NULL)
                        (void)cJSON_AddStringToObject(o, "reason", s->items[i].reason);
                (void)cJSON_AddItemToArray(a, o);
        }
        return a;
}

cJSON *
report_diags_json(const struct diag_list *d)
{
        cJSON *a = cJSON_CreateArray();
        size_t i;

        for (i = 0; a != NULL && i < d->n; i++) {
                cJSON *o = cJSON_CreateObject();

                if (o == NULL)
                        break;
                (void)cJSON_AddStringToObject(o, "level", va_log_level_name(d->v[i].level));
                (void)cJSON_AddStringToObject(o, "message", d->v[i].msg);
                (void)cJSON_AddItemToArray(a, o);
        }
        return a;
}

int
report_print_json(cJSON *root)
{
        char *s;

        if (root == NULL)
                return -1;
        s = cJSON_Print(root);
        cJSON_Delete(root);
        if (s == NULL)
                return -1;
        (void)fputs(s, stdout);
        (void)fputc('\n', stdout);
        (void)fflush(stdout);
        free(s);
        return 0;
}

void
report_volume_text(FILE *f, const struct volume *v)
{
        char auth[CHAP_FIELD_MAX * 8 + 128];
        size_t i;

        fprintf(f, "Volume %s  (%s)\n", v->id, v->source);
        fprintf(f, "  initiator   %s\n",
                v->initiator[0] ? v->initiator : "(not given: the host's own name)");
        plan_describe_auth(&v->auth, auth, sizeof(auth));
        fprintf(f, "  auth        %s\n", auth);
        plan_describe_auth(&v->discovery, auth, sizeof(auth));
        fprintf(f, "  discovery   %s\n", v->discovery.kind == AUTH_NONE ? "no CHAP" : auth);
        fprintf(f, "  access      %s%s\n", v->read_only ? "read-only" : "read-write",
                v->encrypted ? ", encrypted (raw device only)" : "");
        fprintf(f, "  paths       %s\n", path_policy_name(v->policy));
        for (i = 0; i < v->npaths; i++) {
                char portal[PORTAL_TEXT_MAX];

                (void)portal_format(&v->paths[i].portal, portal, sizeof(portal));
                fprintf(f, "    [%zu] portal %s  target %s  LUN %u", i, portal, v->paths[i].iqn,
                        v->paths[i].lun);
                if (v->paths[i].host_lun != v->paths[i].lun)
                        fprintf(f, " (host LUN %u)", v->paths[i].host_lun);
                fputc('\n', f);
        }
}

void
report_items_text(FILE *f, const struct volume_set *s)
{
        size_t i;
        int header = 0;

        for (i = 0; i < s->nitems; i++) {
                const struct item_report *it = &s->items[i];

                if (it->status == ITEM_OK)
                        continue;
                if (!header) {
                        fprintf(f, "\nNot attached (the reasons are in the log, once each):\n");
                        header = 1;
                }
                fprintf(f, "  %s %s%s%s%s\n", it->status == ITEM_SKIPPED ? "skipped " : "REJECTED",
                        it->source, it->id[0] ? " (" : "", it->id, it->id[0] ? ")" : "");
        }
}
