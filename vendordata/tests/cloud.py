# SPDX-License-Identifier: Apache-2.0
"""A throw-away OpenStack control plane on loopback for the tests and the
bench: real Keystone, cinder-api and ironic-api from Debian's packages, each
under uwsgi on a port picked at run time, sqlite databases in a temp dir."""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
VD_ROOT = os.path.dirname(HERE)
PYTHON = sys.executable
LOOPBACK = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_http(url, seconds, proc=None, log=None):
    """Until url answers any HTTP status, or fail with the log's tail."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    tail = ""
    if log and os.path.exists(log):
        with open(log, errors="replace") as f:
            tail = f.read()[-3000:]
    raise RuntimeError("%s did not answer within %ss\n%s" % (url, seconds, tail))


def uwsgi_cmd(port, wsgi_file, processes=1, threads=1, pyargv=None, log=None):
    cmd = ["uwsgi", "--plugin", "python3", "--http-socket", "%s:%d" % (LOOPBACK, port),
           "--wsgi-file", wsgi_file, "--master", "--processes", str(processes),
           "--threads", str(threads), "--die-on-term", "--need-app",
           "--lazy-apps", "--buffer-size", "65535", "--disable-logging",
           # --http-socket closes after each answer; say so, or a client's
           # pooled connection races the close and gets a reset
           "--add-header", "Connection: close"]
    if pyargv:
        cmd += ["--pyargv", pyargv]
    if log:
        cmd += ["--logto", log]
    return cmd


class Service:
    """One uwsgi process group; stop() is safe to call twice."""

    def __init__(self, name, cmd, env, log, url, start_timeout=90):
        self.name, self.cmd, self.env, self.log, self.url = name, cmd, env, log, url
        self.start_timeout = start_timeout
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        wait_http(self.url, self.start_timeout, self.proc, self.log)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None


def sqlite_wal(path):
    """WAL journal: a reader left open by a service (keystone's role list
    does) no longer blocks the next writer for sqlite's 5 s busy timeout."""
    import sqlite3
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.close()


def run(cmd, env=None, log=None):
    with open(log or os.devnull, "a") as out:
        r = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                           stderr=subprocess.STDOUT, timeout=300)
    if r.returncode != 0:
        tail = open(log, errors="replace").read()[-3000:] if log else ""
        raise RuntimeError("%s failed (%d)\n%s" % (" ".join(cmd), r.returncode, tail))


def http(method, url, token=None, body=None, headers=None, timeout=10):
    """A bare HTTP call for the harness's own set-up (not the code under test)."""
    h = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        h["X-Auth-Token"] = token
    h.update(headers or {})
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            text = r.read()
            return r.status, r.headers, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            doc = json.loads(text) if text else None
        except ValueError:
            doc = text.decode(errors="replace")
        return e.code, e.headers, doc


# CVE-2023-2088 (OSSA-2023-003): an attachment delete is a service's only
# with an X-Service-Token carrying one of these roles (cinder/volume/api.py
# is_service_request); required: auth_token itself refuses a service token
# without them
CINDER_SERVICE_TOKEN = """service_token_roles = service
service_token_roles_required = true
"""


class Cloud:
    """Keystone + cinder-api + ironic-api with the users, roles, services and
    endpoints a real deployment has, for the vendordata service to talk to."""

    REGION = "RegionOne"

    def __init__(self, workdir=None, uwsgi_processes=1):
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="vd-cloud-")
        self.procs = uwsgi_processes
        self.services = {}
        self.pw = {u: secrets.token_urlsafe(12) for u in
                   ("admin", "nova", "cinder", "ironic", "vendordata", "member", "compute")}
        self.ks_port, self.cinder_port, self.ironic_port = free_port(), free_port(), free_port()
        self.nova_port = free_port()
        self.nova_url = "http://%s:%d" % (LOOPBACK, self.nova_port)
        self.ks_url = "http://%s:%d/v3" % (LOOPBACK, self.ks_port)
        self.cinder_url = "http://%s:%d" % (LOOPBACK, self.cinder_port)
        self.ironic_url = "http://%s:%d" % (LOOPBACK, self.ironic_port)
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("OS_") or k.lower().endswith("_proxy"):
                del self.env[k]
        self.env["NO_PROXY"] = "*"
        self.ids = {}

    def path(self, *p):
        return os.path.join(self.dir, *p)

    # ---------------------------------------------------------------- keystone
    def _keystone(self):
        d = self.path("keystone")
        for sub in ("fernet", "credential"):
            os.makedirs(os.path.join(d, sub), mode=0o700, exist_ok=True)
        conf = os.path.join(d, "keystone.conf")
        with open(conf, "w") as f:
            f.write("""[DEFAULT]
log_file = {d}/keystone.log
debug = false
[database]
connection = sqlite:///{d}/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = {d}/fernet
[credential]
key_repository = {d}/credential
[cache]
enabled = true
backend = dogpile.cache.memory
[identity]
# bcrypt's least cost: the tests issue many tokens on a shared 2-core box
password_hash_rounds = 4
""".format(d=d))
        log = os.path.join(d, "manage.log")
        km = ["keystone-manage", "--config-file", conf]
        run(km + ["db_sync"], self.env, log)
        run(km + ["fernet_setup", "--keystone-user", "root", "--keystone-group", "root"], self.env, log)
        run(km + ["credential_setup", "--keystone-user", "root", "--keystone-group", "root"], self.env, log)
        sqlite_wal(os.path.join(d, "keystone.db"))
        env = dict(self.env, OS_BOOTSTRAP_PASSWORD=self.pw["admin"])
        run(km + ["bootstrap", "--bootstrap-admin-url", self.ks_url,
                  "--bootstrap-public-url", self.ks_url, "--bootstrap-internal-url", self.ks_url,
                  "--bootstrap-region-id", self.REGION], env, log)
        env = dict(self.env, OS_KEYSTONE_CONFIG_FILES=conf)
        s = Service("keystone", uwsgi_cmd(self.ks_port, "/usr/bin/keystone-wsgi-public",
                                          processes=self.procs, threads=1,
                                          log=os.path.join(d, "uwsgi.log")),
                    env, os.path.join(d, "uwsgi.log"), self.ks_url)
        self.services["keystone"] = s
        s.start()

    def token(self, user, project="service", password=None):
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"id": "default"},
            "password": password or self.pw[user]}}},
            "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}
        st, hdr, doc = http("POST", self.ks_url + "/auth/tokens", body=body)
        if st != 201:
            raise RuntimeError("token for %s: %s %s" % (user, st, doc))
        return hdr["X-Subject-Token"]

    def _ks(self, method, path, body=None):
        st, _, doc = http(method, self.ks_url + path, token=self._admin, body=body)
        if st >= 300:
            raise RuntimeError("keystone %s %s: %s %s" % (method, path, st, doc))
        return doc

    def _identity(self):
        self._admin = self.token("admin", "admin")
        ids = self.ids
        ids["service"] = self._ks("POST", "/projects", {"project": {
            "name": "service", "domain_id": "default"}})["project"]["id"]
        ids["demo"] = self._ks("POST", "/projects", {"project": {
            "name": "demo", "domain_id": "default"}})["project"]["id"]
        roles = {r["name"]: r["id"] for r in self._ks("GET", "/roles")["roles"]}
        for name in ("service", "vendordata"):
            if name not in roles:
                roles[name] = self._ks("POST", "/roles", {"role": {"name": name}})["role"]["id"]
        ids["roles"] = roles
        grants = {"nova": [("service", "vendordata")],
                  "cinder": [("service", "admin"), ("service", "service")],
                  "ironic": [("service", "admin"), ("service", "service")],
                  # admin: Cinder's all_tenants (context_is_admin); service:
                  # Ironic's rule:service_role under the new RBAC defaults
                  "vendordata": [("service", "admin"), ("service", "service")],
                  "member": [("demo", "member"), ("service", "member")],
                  # nova-api's own user (its auth_token validates tokens)
                  "compute": [("service", "admin"), ("service", "service")]}
        for user, pairs in grants.items():
            uid = self._ks("POST", "/users", {"user": {
                "name": user, "domain_id": "default", "password": self.pw[user]}})["user"]["id"]
            ids["user_" + user] = uid
            for proj, role in pairs:
                self._ks("PUT", "/projects/%s/users/%s/roles/%s" % (ids[proj], uid, roles[role]))
        for stype, name, url in (("volumev3", "cinderv3", self.cinder_url + "/v3/%(project_id)s"),
                                 ("baremetal", "ironic", self.ironic_url),
                                 ("compute", "nova", self.nova_url + "/v2.1")):
            sid = self._ks("POST", "/services", {"service": {"type": stype, "name": name}})["service"]["id"]
            for iface in ("public", "internal", "admin"):
                self._ks("POST", "/endpoints", {"endpoint": {
                    "service_id": sid, "interface": iface, "url": url, "region_id": self.REGION}})

    def authtoken_section(self, user):
        return """[keystone_authtoken]
www_authenticate_uri = {ks}
auth_url = {ks}
auth_type = password
username = {user}
password = {pw}
project_name = service
user_domain_id = default
project_domain_id = default
region_name = {region}
http_connect_timeout = 5
""".format(ks=self.ks_url, user=user, pw=self.pw[user], region=self.REGION)

    # ------------------------------------------------------------------ cinder
    def _cinder(self):
        d = self.path("cinder")
        os.makedirs(os.path.join(d, "lock"), exist_ok=True)
        paste = os.path.join(d, "api-paste.ini")
        shutil.copy(os.path.join(HERE, "cinder-api-paste.ini"), paste)
        conf = self.cinder_conf = os.path.join(d, "cinder.conf")
        with open(conf, "w") as f:
            f.write("""[DEFAULT]
auth_strategy = keystone
api_paste_config = {paste}
state_path = {d}
log_file = {d}/cinder-api.log
debug = false
transport_url = fake:/
enabled_backends = lio
host = vdtest
[database]
connection = sqlite:///{d}/cinder.db
[oslo_concurrency]
lock_path = {d}/lock
[coordination]
backend_url = file://{d}/lock
[lio]
volume_backend_name = lio
volume_driver = cinder.volume.drivers.lvm.LVMVolumeDriver
target_helper = lioadm
target_protocol = iscsi
target_ip_address = 127.0.0.1
target_port = 3260
volume_group = vdtest
""".format(d=d, paste=paste) + self.authtoken_section("cinder") + CINDER_SERVICE_TOKEN)
        run([PYTHON, "-c", "import sys; from cinder.cmd.manage import main; sys.argv[0]='cinder-manage'; sys.exit(main())",
             "--config-file", conf, "db", "sync"], self.env, os.path.join(d, "manage.log"))
        sqlite_wal(os.path.join(d, "cinder.db"))
        wsgi = os.path.join(HERE, "wsgi", "cinder_api.py")
        s = Service("cinder", uwsgi_cmd(self.cinder_port, wsgi, processes=self.procs, threads=1,
                                        pyargv="--config-file " + conf,
                                        log=os.path.join(d, "uwsgi.log")),
                    # attachment update/delete: cinder-volume's VolumeManager in
                    # cinder-api's process (tests/seed.py install_direct_volume_rpc)
                    dict(self.env, VD_DIRECT_VOLUME_RPC="1"),
                    os.path.join(d, "uwsgi.log"), self.cinder_url + "/")
        self.services["cinder"] = s
        s.start()

    # ------------------------------------------------------------------ ironic
    def _ironic(self):
        d = self.path("ironic")
        os.makedirs(d, exist_ok=True)
        conf = self.ironic_conf = os.path.join(d, "ironic.conf")
        with open(conf, "w") as f:
            f.write("""[DEFAULT]
auth_strategy = keystone
log_file = {d}/ironic-api.log
debug = false
rpc_transport = json-rpc
enabled_hardware_types = fake-hardware
enabled_storage_interfaces = noop,cinder
default_storage_interface = noop
enabled_deploy_interfaces = fake
enabled_boot_interfaces = fake
enabled_management_interfaces = fake
enabled_power_interfaces = fake
host = vdtest
# the new RBAC defaults let the service role of the service project see
# every node only with this (as Nova's own ironic user needs it too)
rbac_service_role_elevated_access = true
[api]
host_ip = 127.0.0.1
port = {port}
[database]
connection = sqlite:///{d}/ironic.db
[oslo_policy]
enforce_new_defaults = true
enforce_scope = true
[json_rpc]
auth_strategy = noauth
host_ip = 127.0.0.1
port = {jport}
""".format(d=d, port=self.ironic_port, jport=free_port()) + self.authtoken_section("ironic"))
        run([PYTHON, "-c", "import sys; from ironic.cmd.dbsync import main; sys.argv[0]='ironic-dbsync'; sys.exit(main())",
             "--config-file", conf, "create_schema"], self.env, os.path.join(d, "manage.log"))
        sqlite_wal(os.path.join(d, "ironic.db"))
        wsgi = os.path.join(HERE, "wsgi", "ironic_api.py")
        s = Service("ironic", uwsgi_cmd(self.ironic_port, wsgi, processes=self.procs, threads=1,
                                        pyargv="--config-file " + conf,
                                        log=os.path.join(d, "uwsgi.log")),
                    self.env, os.path.join(d, "uwsgi.log"), self.ironic_url + "/")
        self.services["ironic"] = s
        s.start()

    # -------------------------------------------------------------------- nova
    def _nova(self):
        """nova-api (python3-nova's WSGI app), for Cinder's CVE-2023-2088
        check: an attachment delete without a service token makes Cinder ask
        Nova (GET /servers/{id}/os-volume_attachments/{volume}). Its
        instances and BDMs are made through nova.objects (tests/seed.py
        nova); nothing else of Nova runs."""
        d = self.path("nova")
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(HERE, "nova-api-paste.ini"), os.path.join(d, "api-paste.ini"))
        conf = self.nova_conf = os.path.join(d, "nova.conf")
        with open(conf, "w") as f:
            f.write("""[DEFAULT]
log_file = {d}/nova-api.log
transport_url = fake:/
host = vdtest
state_path = {d}
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = {d}/api-paste.ini
[api_database]
connection = sqlite:///{d}/nova_api.db
[database]
connection = sqlite:///{d}/nova.db
[oslo_concurrency]
lock_path = {d}
""".format(d=d) + self.authtoken_section("compute"))
        nm = [PYTHON, "-c", "import sys; from nova.cmd.manage import main; "
              "sys.argv[0]='nova-manage'; sys.exit(main())", "--config-file", conf]
        log = os.path.join(d, "manage.log")
        run(nm + ["api_db", "sync"], self.env, log)
        run(nm + ["cell_v2", "map_cell0", "--database_connection",
                  "sqlite:///%s/nova_cell0.db" % d], self.env, log)
        run(nm + ["db", "sync"], self.env, log)
        run(nm + ["cell_v2", "create_cell", "--name", "cell1"], self.env, log)
        for db in ("nova_api.db", "nova.db", "nova_cell0.db"):
            sqlite_wal(os.path.join(d, db))
        env = dict(self.env, OS_NOVA_CONFIG_DIR=d)
        s = Service("nova", uwsgi_cmd(self.nova_port, os.path.join(HERE, "wsgi", "nova_api.py"),
                                      processes=self.procs, threads=1,
                                      log=os.path.join(d, "uwsgi.log")),
                    env, os.path.join(d, "uwsgi.log"), self.nova_url + "/v2.1")
        self.services["nova"] = s
        s.start()

    def start(self):
        try:
            self._keystone()
            self._identity()
            self._cinder()
            self._ironic()
            self._nova()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for s in reversed(list(self.services.values())):
            s.stop()
        if self.own_dir and not os.environ.get("VD_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def seed(self, kind, spec):
        """Runs tests/seed.py (Cinder's or Ironic's own code, in a child
        process) and returns what it made."""
        spec = dict(spec, cinder_conf=self.cinder_conf, ironic_conf=self.ironic_conf,
                    nova_conf=getattr(self, "nova_conf", None),
                    cinder_url=self.cinder_url, ironic_url=self.ironic_url)
        path = self.path("seed-%s-%d.json" % (kind, time.monotonic_ns()))
        with open(path, "w") as f:
            json.dump(spec, f)
        out = subprocess.run([PYTHON, os.path.join(HERE, "seed.py"), kind, path], env=self.env,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError("seed.py %s failed: %s" % (kind, out.stderr[-3000:]))
        return json.loads(out.stdout.strip().splitlines()[-1])


def vendordata_conf(cloud, d, port, debug=True, extra=""):
    """The service's config file for the test cloud (debug logging of every
    library at its most verbose, to prove no secret reaches a log)."""
    os.makedirs(d, exist_ok=True)
    shutil.copy(os.path.join(VD_ROOT, "etc", "api-paste.ini"), os.path.join(d, "api-paste.ini"))
    conf = os.path.join(d, "volattach-vendordata.conf")
    ks, pw, region = cloud.ks_url, cloud.pw["vendordata"], cloud.REGION
    creds = """auth_url = {ks}
username = vendordata
password = {pw}
project_name = service
user_domain_id = default
project_domain_id = default
""".format(ks=ks, pw=pw)
    with open(conf, "w") as f:
        f.write("""[DEFAULT]
debug = {debug}
log_file = {d}/vendordata.log
default_log_levels = keystoneauth=DEBUG,keystonemiddleware=DEBUG,urllib3=DEBUG,requests=DEBUG,oslo_policy=DEBUG
[vendordata]
allowed_roles = vendordata
deadline = 4.0
[keystone_authtoken]
www_authenticate_uri = {ks}
auth_type = password
{creds}region_name = {region}
http_connect_timeout = 2
http_request_max_retries = 0
token_cache_time = 300
[service_auth]
auth_type = password
{creds}timeout = 2
[cinder]
region_name = {region}
valid_interfaces = internal
timeout = 2
[ironic]
region_name = {region}
valid_interfaces = internal
timeout = 2
{extra}""".format(debug=str(debug).lower(), d=d, ks=ks, creds=creds, region=region, extra=extra))
    return conf


def vendordata_service(cloud, name="vendordata", processes=1, threads=1, extra=""):
    d = cloud.path(name)
    port = free_port()
    conf = vendordata_conf(cloud, d, port, extra=extra)
    env = dict(cloud.env, VOLATTACH_VENDORDATA_CONFIG=conf, PYTHONPATH=VD_ROOT)
    env.pop("VOLATTACH_VENDORDATA_NO_AUTOLOAD", None)
    log = os.path.join(d, "uwsgi.log")
    cmd = ["uwsgi", "--plugin", "python3", "--http-socket", "%s:%d" % (LOOPBACK, port),
           "--module", "volattach_vendordata.wsgi:application", "--master",
           "--processes", str(processes), "--threads", str(threads), "--die-on-term",
           "--need-app", "--lazy-apps", "--buffer-size", "65535", "--logto", log,
           "--add-header", "Connection: close"]
    s = Service(name, cmd, env, log, "http://%s:%d/" % (LOOPBACK, port))
    s.conf, s.dir, s.port = conf, d, port
    cloud.services[name] = s
    s.start()
    return s
