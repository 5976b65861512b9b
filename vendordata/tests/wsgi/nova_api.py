# SPDX-License-Identifier: Apache-2.0
"""nova-api's own WSGI entry (nova.api.openstack.compute.wsgi), for uwsgi in
the tests; its config is $OS_NOVA_CONFIG_DIR/{api-paste.ini,nova.conf}."""
from nova.api.openstack.compute import wsgi

application = wsgi.init_application()
