/* SPDX-License-Identifier: Apache-2.0 */
/* The backend table: the OS's own initiator. The one place, with
 * platform/, where the OS is chosen. The simulator (tests/backend-sim/) is test
 * code: tests hand its table to the engines themselves. */
#include <string.h>

#include "core/initiator.h"

#ifdef _WIN32
extern const struct initiator_ops initiator_iscsidsc_ops;
#define BACKEND_DEFAULT initiator_iscsidsc_ops
#else
extern const struct initiator_ops initiator_openiscsi_ops;
#define BACKEND_DEFAULT initiator_openiscsi_ops
#endif

static const struct initiator_ops *const backends[] = {
        &BACKEND_DEFAULT,
};

const struct initiator_ops *
initiator_backend_default(void)
{
        return &BACKEND_DEFAULT;
}

const struct initiator_ops *
initiator_backend(const char *name)
{
        size_t i;

        if (name == NULL)
                return initiator_backend_default();
        for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
                if (strcmp(backends[i]->name, name) == 0)
                        return backends[i];
        return NULL;
}
