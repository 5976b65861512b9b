"""cinder-api's own WSGI entry (cinder.wsgi.wsgi), for uwsgi in the tests."""
from cinder.wsgi import wsgi

application = wsgi.initialize_application()
