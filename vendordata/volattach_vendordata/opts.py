# SPDX-License-Identifier: Apache-2.0
"""The service's configuration (oslo.config): its own options, its Keystone
credentials for Cinder and Ironic, and the two upstream services."""
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

PROJECT = "volattach-vendordata"
DEFAULT_CONFIG = "/etc/volattach-vendordata/volattach-vendordata.conf"

vendordata_opts = [
    cfg.ListOpt("allowed_roles", default=["vendordata"],
                help="A caller's token must carry at least one of these roles "
                     "(Nova's [vendordata_dynamic_auth] user). Others get 403 "
                     "and no data."),
    cfg.BoolOpt("include_boot_volume", default=False,
                help="Also list the volume Ironic boots from (the volume "
                     "target with boot_index 0). Off: the boot volume is the "
                     "firmware's (iPXE sanhook), not the OS agent's."),
    cfg.ListOpt("driver_volume_types", default=["iscsi"],
                help="Attachments of these Cinder driver_volume_type values "
                     "are listed. iser is left out by default: volattach logs "
                     "in over TCP and skips iser entries."),
    cfg.FloatOpt("deadline", default=4.0, min=0.5, max=30.0,
                 help="Seconds for the whole answer, upstream calls included; "
                      "keep it below Nova's [api] "
                      "vendordata_dynamic_read_timeout (5 s by default)."),
    cfg.IntOpt("max_body_size", default=262144, min=1024,
               help="Largest request body accepted, in bytes (Nova sends the "
                    "user-data, up to 64 KiB base64, and the metadata)."),
    cfg.StrOpt("api_paste_config", default="api-paste.ini",
               help="The paste pipeline file, found beside the config file "
                    "when relative."),
]

upstream_opts = [
    cfg.FloatOpt("timeout", default=2.0, min=0.1,
                 help="Seconds for one request to this service (connect and "
                      "read), further bounded by [vendordata] deadline."),
]

# the live attach/detach command's own (manage.py)
live_opts = [
    cfg.FloatOpt("timeout", default=60.0, min=1.0,
                 help="Seconds for one Cinder request of the attach command "
                      "(attachment update waits for cinder-volume to export "
                      "the volume)."),
    cfg.FloatOpt("deadline", default=300.0, min=1.0,
                 help="Seconds for the whole command."),
]

CINDER_MICROVERSION = "3.27"   # attachments API (cinder/api/microversions.py NEW_ATTACH)
IRONIC_MICROVERSION = "1.32"   # volume connectors and targets


def register(conf):
    conf.register_opts(vendordata_opts, group="vendordata")
    ks_loading.register_session_conf_options(conf, "service_auth")
    ks_loading.register_auth_conf_options(conf, "service_auth")
    for group, stype in (("cinder", "volumev3"), ("ironic", "baremetal")):
        ks_loading.register_adapter_conf_options(conf, group)
        conf.register_opts(upstream_opts, group=group)
        conf.set_default("service_type", stype, group=group)
        conf.set_default("valid_interfaces", ["internal", "public"], group=group)
    conf.set_default("timeout", 2, group="service_auth")


def register_live(conf):
    """The live command's groups, on top of register()'s."""
    conf.register_opts(live_opts, group="live")
    # [service_user] as in nova.conf: the user whose token goes as X-Service-Token
    ks_loading.register_auth_conf_options(conf, "service_user")


def list_opts():
    """For oslo-config-generator (namespace volattach-vendordata): every
    group the service and its live command read. The auth groups list
    keystoneauth1's common options and the password plugin's, as Nova's
    [service_user] does."""
    password = ks_loading.get_auth_plugin_conf_options("password")
    return [("vendordata", vendordata_opts),
            ("service_auth", ks_loading.get_session_conf_options()
             + ks_loading.get_auth_common_conf_options() + password),
            ("cinder", ks_loading.get_adapter_conf_options() + upstream_opts),
            ("ironic", ks_loading.get_adapter_conf_options() + upstream_opts),
            ("live", live_opts),
            ("service_user", ks_loading.get_auth_common_conf_options() + password)]
