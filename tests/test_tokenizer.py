"GPT-2's tokenizer files: the download path, tested for real against a server on 127.0.0.1 and nothing else; and the tokenizer module's docstrings."
import http.server, inspect, threading
import pytest
import fasttrain.tokenizer as ftok
from fasttrain.data import CharTokenizer
from fasttrain.tokenizer import GPT2_FILES, get_gpt2_files, gpt2_tokenizer
from conftest import ROOT

class Files:
    "Serves `files` (name → bytes) on 127.0.0.1 under /enc/, 404 for anything else, and counts the requests"
    def __init__(self, files: dict):
        self.files, self.requests = files, 0
        outer = self
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests += 1
                body = outer.files.get(self.path.removeprefix('/enc/'))
                self.send_response(200 if body is not None else 404)
                body = body if body is not None else b'not found'
                self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
            def log_message(self, *a): pass
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/enc/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
    def __enter__(self): return self
    def __exit__(self, *a): self.httpd.shutdown(); self.httpd.server_close()

@pytest.fixture
def gpt2_bytes(corpus_path):
    "The two files, from the offline copy beside Tiny Shakespeare ($FASTTRAIN_DATA/gpt2)"
    d = corpus_path.parent/'gpt2'
    return {n: (d/n).read_bytes() for n in GPT2_FILES}

@pytest.fixture
def no_local_copy(monkeypatch, tmp_path):
    "No $FASTTRAIN_DATA and an empty cache: the only way to get the files is to download them"
    monkeypatch.delenv('FASTTRAIN_DATA', raising=False)
    monkeypatch.setenv('FASTTRAIN_CACHE', str(tmp_path/'cache'))
    return tmp_path/'cache'/'gpt2'

def test_download_checks_and_caches(gpt2_bytes, no_local_copy):
    with Files(gpt2_bytes) as srv:
        tok = gpt2_tokenizer(url=srv.url)
        assert tok.encode(' hello world') == [23748, 995] and tok.vocab_size == 50257
        assert sorted(p.name for p in no_local_copy.iterdir()) == sorted(GPT2_FILES)    # no temporary file left
        assert get_gpt2_files(url=srv.url) == no_local_copy and srv.requests == 2      # the second call reads the cache

def test_bad_download_refused_and_not_kept(gpt2_bytes, no_local_copy):
    with Files({**gpt2_bytes, 'vocab.bpe': gpt2_bytes['vocab.bpe'][:100_000]}) as srv:
        with pytest.raises(ValueError, match=r'The file downloaded from http://127\.0\.0\.1:\d+/enc/vocab\.bpe is not the file GPT-2 released'):
            get_gpt2_files(url=srv.url)
    assert not (no_local_copy/'vocab.bpe').exists() and not list(no_local_copy.glob('.*'))

def test_http_error_explains_what_to_do(no_local_copy):
    with Files({}) as srv:
        with pytest.raises(ConnectionError, match='HTTP Error 404|Not Found') as e: get_gpt2_files(url=srv.url)
    assert 'path=...' in str(e.value) and '$FASTTRAIN_DATA/gpt2/' in str(e.value)
    assert not no_local_copy.exists() or not any(no_local_copy.iterdir())

def test_local_copies_come_first(corpus_path, monkeypatch, tmp_path):
    "`path`, then $FASTTRAIN_DATA/gpt2, are read before the cache or the network is considered"
    monkeypatch.setenv('FASTTRAIN_CACHE', str(tmp_path/'cache'))
    with Files({}) as srv:
        assert get_gpt2_files(corpus_path.parent/'gpt2', url=srv.url) == corpus_path.parent/'gpt2'
        monkeypatch.setenv('FASTTRAIN_DATA', str(corpus_path.parent))
        assert get_gpt2_files(url=srv.url) == corpus_path.parent/'gpt2'
        assert srv.requests == 0
    assert not (tmp_path/'cache').exists()

def test_corrupt_cached_copy_is_named(gpt2_bytes, no_local_copy):
    no_local_copy.mkdir(parents=True)
    (no_local_copy/'encoder.json').write_bytes(gpt2_bytes['encoder.json'][:-1])
    (no_local_copy/'vocab.bpe').write_bytes(gpt2_bytes['vocab.bpe'])
    with pytest.raises(ValueError, match='encoder.json is not the file GPT-2 released'): get_gpt2_files(url='http://127.0.0.1:9/never/')

def _public(obj):
    "Public functions, classes and their public methods and properties"
    yield obj
    if inspect.isclass(obj):
        for k, v in vars(obj).items():
            if not k.startswith('_') and (callable(v) or isinstance(v, (property, classmethod, staticmethod))): yield v

def test_every_public_name_has_a_docstring():
    missing = []
    for name in ftok.__all__ + ['CharTokenizer']:
        obj = getattr(ftok, name, None) or CharTokenizer
        if not (inspect.isclass(obj) or inspect.isfunction(obj)): continue
        for o in _public(obj):
            f = o.fget if isinstance(o, property) else getattr(o, '__func__', o)
            if not (getattr(f, '__doc__', None) or '').strip(): missing.append(f'{name}.{getattr(f, "__name__", f)}')
    assert not missing, missing

def test_import_is_light():
    "Importing the tokenizer module does not import torch, fastai, tiktoken or tokenizers (they load when needed)"
    import subprocess, sys
    code = 'import sys, fasttrain.tokenizer; print(sorted(m for m in ("torch", "fastai", "tiktoken", "tokenizers") if m in sys.modules))'
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.strip() == '[]', r.stdout + r.stderr

def test_constants():
    "The download address is GPT-2's, and GPT2_PATTERN splits like tiktoken's faster pattern for the gpt2 encoding"
    import regex
    from tiktoken_ext.openai_public import r50k_pat_str
    from fasttrain.tokenizer import GPT2_PATTERN, GPT2_URL
    assert GPT2_URL == 'https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/'
    s = "I'll pay 1,000 dollars!  \n\n\t x   y 中文 🤖 'S"
    assert regex.findall(GPT2_PATTERN, s) == regex.findall(r50k_pat_str, s)
