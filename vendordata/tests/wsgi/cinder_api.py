# SPDX-License-Identifier: Apache-2.0
"""cinder-api's own WSGI entry (cinder.wsgi.wsgi), for uwsgi in the tests.
With VD_DIRECT_VOLUME_RPC=1 (the test cloud sets it), the attachments API's
RPC calls to cinder-volume, absent here, go to an in-process VolumeManager
(tests/seed.py install_direct_volume_rpc)."""
import os
import sys

from cinder.wsgi import wsgi

application = wsgi.initialize_application()

if os.environ.get("VD_DIRECT_VOLUME_RPC") == "1":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import seed  # noqa: E402
    seed.install_direct_volume_rpc()
