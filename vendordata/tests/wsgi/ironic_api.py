# SPDX-License-Identifier: Apache-2.0
"""ironic-api's own WSGI entry (ironic.api.wsgi), for uwsgi in the tests."""
import sys

from ironic.api import wsgi

application = wsgi.initialize_wsgi_app(argv=sys.argv)
