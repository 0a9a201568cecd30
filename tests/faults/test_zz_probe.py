import os, signal, time, pytest
from tests.faults.test_broker import _register, _mail_to
from tests.worker_utils import wait_for
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

def test_probe(broker, start_worker):
    w=start_worker()
    _register("a@example.test")
    wait_for(lambda: _mail_to(w.mail_dir, "a@example.test"), timeout=30)
    broker.stop()
    time.sleep(float(os.environ.get("GAP", "0.5")))
    broker.start()
    time.sleep(8)
    _register("b@example.test")
    time.sleep(8)
    print(_mail_to(w.mail_dir, "b@example.test"))
    import re
    print("\n".join(l[:160] for l in w.log().splitlines() if re.search("INFO|WARN|ERROR|Trying", l)))
