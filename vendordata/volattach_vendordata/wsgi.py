# SPDX-License-Identifier: Apache-2.0
"""The WSGI entry point (uwsgi --module volattach_vendordata.wsgi:application,
or mod_wsgi's WSGIScriptAlias): loads the config file, sets up logging with
the secret mask, builds the paste pipeline (auth_token, then the app).

The config file: $VOLATTACH_VENDORDATA_CONFIG, else
/etc/volattach-vendordata/volattach-vendordata.conf."""
import logging
import os
import sys

from oslo_config import cfg
from oslo_log import log as oslo_log
from oslo_utils import strutils
from paste import deploy

from volattach_vendordata import opts

DEFAULT_CONFIG = opts.DEFAULT_CONFIG


class SecretMask(logging.Filter):
    """The last guard: masks password-like values (auth_password,
    auth_discovery_password, ...) in every record's text, arguments and
    traceback, whatever logger wrote it."""

    def filter(self, record):
        try:
            msg = record.getMessage()
        except Exception:
            msg = str(record.msg)
        record.msg = strutils.mask_password(msg)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = strutils.mask_password(text)
        elif record.exc_text:
            record.exc_text = strutils.mask_password(record.exc_text)
        return True


def install_mask():
    mask = SecretMask()
    root = logging.getLogger()
    for h in root.handlers:
        if not any(isinstance(f, SecretMask) for f in h.filters):
            h.addFilter(mask)


def load_app(config_file=None, argv=None):
    conf = cfg.CONF
    opts.register(conf)
    oslo_log.register_options(conf)
    path = config_file or os.environ.get("VOLATTACH_VENDORDATA_CONFIG") or DEFAULT_CONFIG
    conf(argv if argv is not None else [], project=opts.PROJECT, default_config_files=[path])
    oslo_log.set_defaults(default_log_levels=oslo_log.get_default_log_levels()
                          + ["keystoneauth=WARN", "keystonemiddleware=INFO"])
    oslo_log.setup(conf, opts.PROJECT)
    install_mask()
    paste = conf.vendordata.api_paste_config
    if not os.path.isabs(paste):
        paste = os.path.join(os.path.dirname(os.path.abspath(path)), paste)
    return deploy.loadapp("config:" + paste, name="main")


def _application():
    # uwsgi's --pyargv "--config-file PATH" arrives as sys.argv[1:]
    argv = sys.argv[1:] if any(a.startswith("--config") for a in sys.argv[1:]) else []
    return load_app(argv=argv)


application = _application() if os.environ.get("VOLATTACH_VENDORDATA_NO_AUTOLOAD") is None else None
