# SPDX-License-Identifier: Apache-2.0
"""volattach's dynamic vendordata service: gives a bare-metal instance, through
Nova's DynamicJSON vendordata, the `volumes` its volattach agent attaches."""
