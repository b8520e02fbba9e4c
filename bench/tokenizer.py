#!/usr/bin/env python
"""Tokenizer training time, encoding throughput and streaming memory, side by side in one run (notebook 01b).

  training   `train_bpe` (from scratch) and `train_bpe_hf` (Hugging Face `tokenizers`) on the first 130,000 characters
             of Tiny Shakespeare at a vocabulary of 500 including <|endoftext|> (target: from scratch <= 1.5 s), then
             on all of it at 1,024 and 8,192
  encoding   MB/s on all of Tiny Shakespeare with GPT-2's vocabulary: `BPETokenizer` (from scratch, cold cache and
             warm cache), `FastBPETokenizer` (the fast path) and tiktoken's own `Encoding`, built offline from the same
             files (target: fast path >= 0.5x tiktoken)
  memory     peak resident memory above a process's baseline while it encodes a generated file of `--mb` MB:
             `encode_iterable` over its lines (from scratch and fast) against `encode` of the whole file read at once

Every timing is the best of `--rounds`, the contenders alternating, so that a busy machine penalises them alike.

    FASTTRAIN_DATA=../shared/data python bench/tokenizer.py [--rounds 3] [--mb 32]
"""
import argparse, os, random, subprocess, sys, tempfile, time
from pathlib import Path

# Linux only: VmHWM is the peak RSS of this process's memory since exec (ru_maxrss would include the parent's, inherited
# through fork), and writing 5 to clear_refs resets it to the current RSS, so the peak is that of the encoding alone.
CHILD = r'''
import sys
from fasttrain.tokenizer import gpt2_tokenizer
def status(key): return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith(key))
kind, path = sys.argv[1], sys.argv[2]
tok = gpt2_tokenizer(fast=kind != 'scratch')
tok.encode('warm up the imports')
with open('/proc/self/clear_refs', 'w') as f: f.write('5')
base = status('VmRSS:')
if kind == 'whole':
    n = len(tok.encode(open(path, encoding='utf-8').read()))
else:
    with open(path, encoding='utf-8') as f: n = sum(1 for _ in tok.encode_iterable(f))
print(n, base, status('VmHWM:'))
'''

def best(f, rounds):
    "Best wall time of `rounds` calls of `f`, and its last result"
    ts, r = [], None
    for _ in range(rounds):
        t = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t)
    return min(ts), r

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--rounds', type=int, default=3, help='timings per contender; the best is reported')
    ap.add_argument('--mb', type=int, default=32, help='size of the generated file for the memory test, in MB')
    ap.add_argument('--parts', default='train,encode,memory', help='comma-separated parts to run')
    a = ap.parse_args()
    parts = set(a.parts.split(','))
    import tiktoken, tokenizers
    from fasttrain.data import get_tinyshakespeare
    text = get_tinyshakespeare(progress=False)
    print(f"python {sys.version.split()[0]}, tiktoken {tiktoken.__version__}, tokenizers {tokenizers.__version__}, {os.cpu_count()} CPUs")
    if 'train' in parts: training(a.rounds, text)
    if 'encode' in parts: encoding(a.rounds, text)
    if 'memory' in parts: memory(a.mb, text)

def training(rounds, text):
    "Seconds to train each vocabulary from scratch and with Hugging Face tokenizers, best of `rounds`"
    from fasttrain.tokenizer import train_bpe, train_bpe_hf
    print("\n== training (seconds, best of %d)" % rounds)
    for name, src, V in (('130 KB English', text[:130_000], 500), ('Tiny Shakespeare', text, 1024), ('Tiny Shakespeare', text, 8192)):
        t_ours, tok = best(lambda: train_bpe(src, V), rounds)
        t_hf, hf = best(lambda: train_bpe_hf(src, V, progress=False), rounds)
        same = next((k for k, (x, y) in enumerate(zip(tok.merges, hf.merges)) if x != y), len(tok.merges))
        print(f"{name:>17} ({len(src.encode()):>9,} bytes), vocab {V:>5}: from scratch {t_ours:6.2f} s | "
              f"HF tokenizers {t_hf:6.2f} s | ratio {t_ours / t_hf:5.2f} | merges equal up to the first tie at {same}")

def encoding(rounds, text):
    "MB/s of each encoder on `text`, best of `rounds`, alternating"
    import tiktoken
    from tiktoken.load import data_gym_to_mergeable_bpe_ranks
    from tiktoken_ext.openai_public import r50k_pat_str
    from fasttrain.tokenizer import ENDOFTEXT, BPETokenizer, get_gpt2_files, gpt2_tokenizer, read_gpt2
    print("\n== encoding all of Tiny Shakespeare with GPT-2's vocabulary (MB/s, best of %d)" % rounds)
    d = get_gpt2_files()
    os.environ['TIKTOKEN_CACHE_DIR'] = ''
    ref = tiktoken.Encoding('gpt2', pat_str=r50k_pat_str, explicit_n_vocab=50257, special_tokens={ENDOFTEXT: 50256},
                            mergeable_ranks=data_gym_to_mergeable_bpe_ranks(str(d/'vocab.bpe'), str(d/'encoder.json')))
    scratch, fast = BPETokenizer(*read_gpt2(d), [ENDOFTEXT]), gpt2_tokenizer(fast=True)
    mb = len(text.encode()) / 2**20
    def cold(): scratch._cache.clear(); return scratch.encode(text)
    contenders = {'from scratch, cold cache': cold, 'from scratch, warm cache': lambda: scratch.encode(text),
                  'fast path (FastBPETokenizer)': lambda: fast.encode(text),
                  'tiktoken Encoding.encode': lambda: ref.encode(text, allowed_special='all')}
    times = {k: [] for k in contenders}
    ids = {}
    for _ in range(rounds):
        for k, f in contenders.items():
            t = time.perf_counter(); ids[k] = f(); times[k].append(time.perf_counter() - t)
    assert all(v == ids['tiktoken Encoding.encode'] for v in ids.values()), "the encoders disagree"
    rate = {k: mb / min(v) for k, v in times.items()}
    for k, r in rate.items(): print(f"{k:>30}: {r:7.2f} MB/s   {r / rate['tiktoken Encoding.encode']:5.2f}x tiktoken")


def memory(mb, text):
    "Peak RSS above baseline of child processes that encode a generated file of `mb` MB"
    from fasttrain.tokenizer import ENDOFTEXT
    print(f"\n== memory: a generated file of {mb} MB (peak RSS above the process's baseline, in MB)")
    lines, rng = text.splitlines(keepends=True), random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)/'gen.txt'
        with open(path, 'w', encoding='utf-8') as f:
            n = 0
            while n < mb * 2**20:
                chunk = ''.join(rng.choice(lines) for _ in range(2000)) + ENDOFTEXT
                f.write(chunk); n += len(chunk.encode())
        size = path.stat().st_size / 2**20
        for kind, label in (('fast', 'encode_iterable, fast path'), ('scratch', 'encode_iterable, from scratch'),
                            ('whole', 'encode(whole file), fast path')):
            t = time.perf_counter()
            r = subprocess.run([sys.executable, '-c', CHILD, kind, str(path)], capture_output=True, text=True, check=True)
            n_tok, base, peak = map(int, r.stdout.split())
            print(f"{label:>32}: {size:5.1f} MB file, {n_tok:,} tokens, peak {(peak - base) / 1024:7.1f} MB above a "
                  f"baseline of {base / 1024:6.1f} MB ({time.perf_counter() - t:5.1f} s)")

if __name__ == '__main__': main()
