"get_tinyshakespeare's download path, tested for real against a server on 127.0.0.1 and nothing else."
import hashlib, http.server, threading
import pytest
from fasttrain.data import get_tinyshakespeare, TINYSHAKESPEARE_SHA256, TINYSHAKESPEARE_URL

class Server:
    "Serves `body` (with `status`) at every path on 127.0.0.1 and counts the requests"
    def __init__(self, body: bytes, status=200):
        self.body, self.status, self.requests = body, status, 0
        outer = self
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests += 1
                self.send_response(outer.status)
                self.send_header('Content-Length', str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)
            def log_message(self, *a): pass
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/input.txt"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
    def __enter__(self): return self
    def __exit__(self, *a): self.httpd.shutdown(); self.httpd.server_close()

@pytest.fixture
def no_local_copy(monkeypatch, tmp_path):
    "No $FASTTRAIN_DATA and an empty cache: the only way to get the file is to download it"
    monkeypatch.delenv('FASTTRAIN_DATA', raising=False)
    monkeypatch.setenv('FASTTRAIN_CACHE', str(tmp_path/'cache'))
    return tmp_path/'cache'

def test_download_checks_and_caches(corpus_path, no_local_copy):
    body = corpus_path.read_bytes()
    with Server(body) as srv:
        text = get_tinyshakespeare(url=srv.url, progress=True)
        assert text == body.decode()
        assert hashlib.sha256((no_local_copy/'tinyshakespeare.txt').read_bytes()).hexdigest() == TINYSHAKESPEARE_SHA256
        assert [p.name for p in no_local_copy.iterdir()] == ['tinyshakespeare.txt']   # no temporary file left
        assert get_tinyshakespeare(url=srv.url) == text                                 # the second call reads the cache...
        assert srv.requests == 1                                                        # ...without asking the server

def test_download_explicit_cache_dir(corpus_path, no_local_copy, tmp_path):
    with Server(corpus_path.read_bytes()) as srv:
        get_tinyshakespeare(url=srv.url, cache=tmp_path/'elsewhere', progress=False)
    assert (tmp_path/'elsewhere'/'tinyshakespeare.txt').is_file() and not no_local_copy.exists()

@pytest.mark.parametrize('body', [b'', b'<html>404</html>', 'truncated'], ids=['empty', 'html', 'truncated'])
def test_bad_download_refused_and_not_kept(corpus_path, no_local_copy, body):
    if body == 'truncated': body = corpus_path.read_bytes()[:500_000]
    with Server(body) as srv:
        with pytest.raises(ValueError, match=r'The file downloaded from http://127\.0\.0\.1:\d+/input\.txt is not the Tiny Shakespeare corpus: its sha256'):
            get_tinyshakespeare(url=srv.url, progress=False)
    assert not any(no_local_copy.iterdir())    # neither the bad file nor a partial one stays behind

def test_http_error_explains_what_to_do(no_local_copy):
    with Server(b'not found', status=404) as srv:
        with pytest.raises(ConnectionError, match=r'HTTP Error 404|Not Found') as e:
            get_tinyshakespeare(url=srv.url, progress=False)
    msg = str(e.value)
    assert 'get_tinyshakespeare(path=...)' in msg and '$FASTTRAIN_DATA' in msg and TINYSHAKESPEARE_URL in msg
    assert not any(no_local_copy.iterdir())

def test_local_copies_come_first(corpus_path, monkeypatch, tmp_path):
    "`path`, then $FASTTRAIN_DATA, are read before the cache or the network is considered"
    monkeypatch.setenv('FASTTRAIN_CACHE', str(tmp_path/'cache'))
    with Server(b'') as srv:
        assert len(get_tinyshakespeare(corpus_path, url=srv.url)) == 1_115_394
        assert len(get_tinyshakespeare(corpus_path.parent, url=srv.url)) == 1_115_394
        monkeypatch.setenv('FASTTRAIN_DATA', str(corpus_path.parent))
        assert len(get_tinyshakespeare(url=srv.url)) == 1_115_394
        assert srv.requests == 0
    assert not (tmp_path/'cache').exists()

def test_corrupt_cached_copy_is_named(no_local_copy):
    no_local_copy.mkdir(parents=True)
    (no_local_copy/'tinyshakespeare.txt').write_text('First Citizen:\n')
    with pytest.raises(ValueError, match='tinyshakespeare.txt is not the Tiny Shakespeare corpus'):
        get_tinyshakespeare(url='http://127.0.0.1:9/never-asked')
