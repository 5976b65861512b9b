/* SPDX-License-Identifier: Apache-2.0 */
/* volattach plan: read and validate the metadata, print what attach would
 * do with this OS's initiator. Touches no initiator. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/doc.h"
#include "core/initiator.h"
#include "cli/report.h"
#include "base/log.h"
#include "core/plan.h"

static cJSON *
plan_json(const struct meta_docs *docs, const struct volume_set *set, const struct plan *p,
          int code)
{
        cJSON *root = doc_new("plan"), *vols, *host, *summary;
        size_t i, k;

        if (root == NULL)
                return NULL;
        (void)cJSON_AddItemToObject(root, "metadata", cli_metadata_json(docs, code));
        if (set->initiator[0]) {
                cJSON *ini = cJSON_AddObjectToObject(root, "initiator");

                (void)cJSON_AddStringToObject(ini, "name", set->initiator);
                (void)cJSON_AddStringToObject(ini, "from", set->initiator_from);
        } else {
                (void)cJSON_AddNullToObject(root, "initiator");
        }
        host = cJSON_AddArrayToObject(root, "host_actions");
        for (i = 0; p != NULL && i < p->nhost; i++)
                (void)cJSON_AddItemToArray(host, cJSON_CreateString(p->host[i].text));
        vols = cJSON_AddArrayToObject(root, "volumes");
        for (i = 0; p != NULL && i < p->n; i++) {
                cJSON *v = report_volume_json(p->vols[i].vol), *acts;

                if (v == NULL)
                        break;
                (void)cJSON_AddStringToObject(v, "status", "planned");
                acts = cJSON_AddArrayToObject(v, "actions");
                for (k = 0; k < p->vols[i].nsteps; k++) {
                        cJSON *a = cJSON_CreateObject();

                        (void)cJSON_AddStringToObject(
                            a, "kind", plan_step_kind_name(p->vols[i].steps[k].kind));
                        (void)cJSON_AddStringToObject(a, "text", p->vols[i].steps[k].text);
                        (void)cJSON_AddItemToArray(acts, a);
                }
                (void)cJSON_AddItemToArray(vols, v);
        }
        (void)cJSON_AddItemToObject(root, "items", report_items_json(set));
        summary = cJSON_AddObjectToObject(root, "summary");
        (void)cJSON_AddNumberToObject(summary, "to_attach", (double)set->n);
        (void)cJSON_AddNumberToObject(summary, "skipped",
                                      (double)volume_set_count(set, ITEM_SKIPPED));
        (void)cJSON_AddNumberToObject(summary, "rejected",
                                      (double)volume_set_count(set, ITEM_REJECTED));
        return root;
}

static void
plan_text(const struct meta_docs *docs, const struct volume_set *set, const struct plan *p)
{
        size_t i, k;

        printf("Metadata: %s\n", docs->origin);
        for (i = 0; i < p->nhost; i++)
                printf("Host: %s\n", p->host[i].text);
        for (i = 0; i < p->n; i++) {
                putchar('\n');
                report_volume_text(stdout, p->vols[i].vol);
                printf("  would:\n");
                for (k = 0; k < p->vols[i].nsteps; k++)
                        printf("    %zu. %s\n", k + 1, p->vols[i].steps[k].text);
        }
        report_items_text(stdout, set);
        printf("\nSummary: %zu to attach, %zu skipped, %zu rejected\n", set->n,
               volume_set_count(set, ITEM_SKIPPED), volume_set_count(set, ITEM_REJECTED));
}

static int
cmd_plan_exec(struct cli *c)
{
        struct meta_docs docs;
        struct volume_set set = { 0 };
        /* what the backend can do is in its table, no initiator opened;
         * whether the host runs multipathd would need one (plan.h) */
        struct plan_options po = { .device_timeout_s = c->device_timeout_s,
                                   .ops = initiator_backend(c->backend),
                                   .multipath_ready = STRATEGY_READY_UNKNOWN,
                                   .enforce_multipath = c->enforce_multipath };
        struct plan p;
        int code;

        if (c->nargs > 0)
                return cli_usage("plan takes no arguments");
        if (po.ops == NULL)
                return cli_usage("unknown backend '%s'", c->backend);
        code = cli_load(c, &docs, &set);
        if (code == EXIT_ENV || code == EXIT_BADMETA || code == EXIT_USAGE) {
                code = cli_emit(c, plan_json(&docs, &set, NULL, code), code, NULL);
                meta_docs_free(&docs);
                return code;
        }
        if (plan_build(&set, &po, &p) < 0) {
                doc_error(VA_LOG_ERR, "out_of_memory", NULL, NULL, NULL, "out of memory");
                volume_set_free(&set);
                meta_docs_free(&docs);
                return EXIT_ENV;
        }
        if (c->json)
                (void)cli_emit(c, plan_json(&docs, &set, &p, code), code, NULL);
        else
                plan_text(&docs, &set, &p);
        plan_free(&p);
        volume_set_free(&set);
        meta_docs_free(&docs);
        return code;
}

const struct cli_entry cmd_plan_entry = {
        .name = "plan",
        .usage = "",
        .summary = "print what attach would do; changes nothing",
        .options = CLI_OPT_METADATA | CLI_OPT_JSON | CLI_OPT_TIMEOUT | CLI_OPT_ENFORCE_MULTIPATH |
                   CLI_OPT_BACKEND,
        .exec = cmd_plan_exec,
};
