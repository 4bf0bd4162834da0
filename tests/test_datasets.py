"""keras.datasets and get_file against a loopback HTTP server serving small files in the
real formats. The real download code runs; only the URL folder and the expected hashes are
pointed at the test files (``kerasish.datasets.set_source``). Where Keras's own loaders can
read the same small files (their ``get_file`` patched to return our local copy), their
results are compared with ours."""
import gzip
import hashlib
import http.server
import io
import json
import os
import pathlib
import pickle
import socket
import tarfile
import threading
import zipfile

import numpy as np
import pytest

import kerasish.datasets as kdatasets
from kerasish.datasets import _source
from kerasish.utils import file_utils


# ----------------------------------------------------------------------------- server
class _Files:
    def __init__(self):
        self.files = {}          # "/name" -> bytes
        self.requests = []       # (path, Range header or None)
        self.cut_after = {}      # "/name" -> bytes sent before closing (Content-Length is full)
        self.ranges = True       # honour Range requests


def _handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            rng = self.headers.get("Range")
            state.requests.append((self.path, rng))
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404, "Not Found")
                return
            start = 0
            if rng and state.ranges:
                start = int(rng.split("=")[1].split("-")[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            cut = state.cut_after.get(self.path)
            self.wfile.write(payload if cut is None else payload[:cut])
            self.wfile.flush()
            if cut is not None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler


@pytest.fixture
def server(tmp_path, monkeypatch):
    state = _Files()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    previous = kdatasets.set_source(state.url)
    yield state
    kdatasets.set_source(*previous)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def keras_datasets():
    """Keras's own dataset modules (their loaders, fed our local files)."""
    pytest.importorskip("keras")
    from keras.src import datasets
    return datasets


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _publish(state, name, data, hash_kind="sha256"):
    """Serve ``data`` as ``name`` and register its hash with the loaders."""
    state.files["/" + name] = data
    digest = hashlib.new(hash_kind, data).hexdigest()
    hashes = dict(_source._OVERRIDE["file_hashes"])
    hashes[name] = digest
    kdatasets.set_source(state.url, hashes)
    return digest


def _npz_bytes(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _object_array(seqs):
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = [int(v) for v in s]
    return out


def _cache(name, subdir="datasets"):
    return os.path.join(os.environ["KERAS_HOME"], subdir, name)


def _with_keras_reading(monkeypatch, module, path_for):
    """Keras's loader, with its download replaced by a lookup of our cached file."""
    monkeypatch.setattr(module, "get_file", lambda fname=None, origin=None, **kw: path_for(fname))


# ----------------------------------------------------------------------------- datasets
def test_mnist_shapes_dtypes_and_caching(server, monkeypatch, keras_datasets):
    rng = np.random.RandomState(0)
    arrays = dict(x_train=rng.randint(0, 256, (10, 28, 28)).astype(np.uint8),
                  y_train=rng.randint(0, 10, 10).astype(np.uint8),
                  x_test=rng.randint(0, 256, (4, 28, 28)).astype(np.uint8),
                  y_test=rng.randint(0, 10, 4).astype(np.uint8))
    _publish(server, "mnist.npz", _npz_bytes(**arrays))
    (x_train, y_train), (x_test, y_test) = kdatasets.mnist.load_data()
    assert (x_train.shape, x_train.dtype, y_train.shape, y_train.dtype) == \
        ((10, 28, 28), np.uint8, (10,), np.uint8)
    np.testing.assert_array_equal(x_test, arrays["x_test"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert len(server.requests) == 1
    kdatasets.mnist.load_data()
    assert len(server.requests) == 1  # cached: no second request
    assert os.path.exists(_cache("mnist.npz")) and not os.path.exists(_cache("mnist.npz.part"))

    _with_keras_reading(monkeypatch, keras_datasets.mnist, lambda f: _cache(f))
    (kx, ky), (kxt, kyt) = keras_datasets.mnist.load_data()
    for a, b in [(kx, x_train), (ky, y_train), (kxt, x_test), (kyt, y_test)]:
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def _idx(array, dtype_code=0x08):
    header = bytes([0, 0, dtype_code, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.tobytes())


def test_fashion_mnist_idx_files(server, monkeypatch, keras_datasets):
    rng = np.random.RandomState(1)
    parts = {"train-labels-idx1-ubyte.gz": rng.randint(0, 10, 20).astype(np.uint8),
             "train-images-idx3-ubyte.gz": rng.randint(0, 256, (20, 28, 28)).astype(np.uint8),
             "t10k-labels-idx1-ubyte.gz": rng.randint(0, 10, 5).astype(np.uint8),
             "t10k-images-idx3-ubyte.gz": rng.randint(0, 256, (5, 28, 28)).astype(np.uint8)}
    for name, array in parts.items():
        server.files["/" + name] = _idx(array)
    (x_train, y_train), (x_test, y_test) = kdatasets.fashion_mnist.load_data()
    assert x_train.shape == (20, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (20,) and y_train.dtype == np.uint8
    np.testing.assert_array_equal(x_test, parts["t10k-images-idx3-ubyte.gz"])
    assert os.path.exists(_cache("t10k-images-idx3-ubyte.gz",
                                 os.path.join("datasets", "fashion-mnist")))

    _with_keras_reading(monkeypatch, keras_datasets.fashion_mnist,
                        lambda f: _cache(f, os.path.join("datasets", "fashion-mnist")))
    (kx, ky), (kxt, kyt) = keras_datasets.fashion_mnist.load_data()
    for a, b in [(kx, x_train), (ky, y_train), (kxt, x_test), (kyt, y_test)]:
        np.testing.assert_array_equal(a, b)


def test_idx_reader_rejects_truncated_file(tmp_path):
    from kerasish.datasets import fashion_mnist
    path = tmp_path / "bad-idx3-ubyte.gz"
    path.write_bytes(_idx(np.zeros((3, 28, 28), np.uint8))[:-40])
    with pytest.raises(Exception):
        fashion_mnist.read_idx(str(path))
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + (3).to_bytes(4, "big") * 3 + b"\0" * 5))
    with pytest.raises(ValueError, match="truncated"):
        fashion_mnist.read_idx(str(path))


def _tar_gz(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _cifar_batch(n, rng, label_keys, protocol=2):
    batch = {b"batch_label": b"testing", b"data": rng.randint(0, 256, (n, 3072)).astype(np.uint8),
             b"filenames": [b"f%d.png" % i for i in range(n)]}
    for key, high in label_keys.items():
        batch[key.encode()] = [int(v) for v in rng.randint(0, high, n)]
    return pickle.dumps(batch, protocol=protocol)


def test_cifar10_tar_extraction(server):
    rng = np.random.RandomState(2)
    members, labels = {}, []
    for i in range(1, 6):
        blob = _cifar_batch(3, rng, {"labels": 10})
        members[f"cifar-10-batches-py/data_batch_{i}"] = blob
        labels += pickle.loads(blob)[b"labels"]
    members["cifar-10-batches-py/test_batch"] = _cifar_batch(2, rng, {"labels": 10})
    _publish(server, "cifar-10-python.tar.gz", _tar_gz(members))
    (x_train, y_train), (x_test, y_test) = kdatasets.cifar10.load_data()
    assert x_train.shape == (15, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (15, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (2, 32, 32, 3) and y_test.shape == (2, 1) and y_test.dtype == np.uint8
    np.testing.assert_array_equal(y_train[:, 0], labels)
    first = pickle.loads(members["cifar-10-batches-py/data_batch_1"])[b"data"][0]
    np.testing.assert_array_equal(x_train[0], first.reshape(3, 32, 32).transpose(1, 2, 0))
    extracted = _cache("cifar-10-batches-py-target")
    assert os.path.isdir(os.path.join(extracted, "cifar-10-batches-py"))
    assert os.path.exists(_cache("cifar-10-batches-py-target_archive"))
    assert not [n for n in os.listdir(_cache("")) if n.startswith(".extracting")]
    kdatasets.cifar10.load_data()
    assert len(server.requests) == 1


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_matches_keras(server, monkeypatch, keras_datasets, label_mode):
    rng = np.random.RandomState(3)
    keys = {"fine_labels": 100, "coarse_labels": 20}
    # Protocol 3 writes bytes without `_codecs.encode`, which Keras's reader refuses.
    members = {"cifar-100-python/train": _cifar_batch(6, rng, keys, protocol=3),
               "cifar-100-python/test": _cifar_batch(4, rng, keys, protocol=3)}
    _publish(server, "cifar-100-python.tar.gz", _tar_gz(members))
    ours = kdatasets.cifar100.load_data(label_mode=label_mode)
    _with_keras_reading(monkeypatch, keras_datasets.cifar100, lambda f: _cache(f))
    theirs = keras_datasets.cifar100.load_data(label_mode=label_mode)
    for (a, b), (c, d) in zip(ours, theirs):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
        assert a.dtype == c.dtype and b.dtype == d.dtype and b.shape == d.shape
    with pytest.raises(ValueError, match="label_mode"):
        kdatasets.cifar100.load_data(label_mode="medium")


def _word_data(rng, n, vocab=60):
    return _object_array([rng.randint(1, vocab, rng.randint(3, 15)) for _ in range(n)])


IMDB_CASES = [dict(), dict(num_words=20), dict(skip_top=5, num_words=30, oov_char=None),
              dict(maxlen=10, seed=7), dict(start_char=None, index_from=0),
              dict(oov_char=None, start_char=None, index_from=2, num_words=25)]


def test_imdb_matches_keras(server, monkeypatch, keras_datasets):
    rng = np.random.RandomState(4)
    _publish(server, "imdb.npz", _npz_bytes(
        x_train=_word_data(rng, 12), y_train=rng.randint(0, 2, 12),
        x_test=_word_data(rng, 9), y_test=rng.randint(0, 2, 9)))
    words = {"the": 1, "and": 2, "film": 3}
    _publish(server, "imdb_word_index.json", json.dumps(words).encode(), "md5")
    _with_keras_reading(monkeypatch, keras_datasets.imdb, lambda f: _cache(f))
    for kwargs in IMDB_CASES:
        ours = kdatasets.imdb.load_data(**kwargs)
        theirs = keras_datasets.imdb.load_data(**kwargs)
        for (xo, yo), (xt, yt) in zip(ours, theirs):
            assert xo.dtype == object and xo.ndim == 1
            assert [list(s) for s in xo] == [list(s) for s in xt], kwargs
            np.testing.assert_array_equal(yo, yt)
            assert yo.dtype == yt.dtype
    assert kdatasets.imdb.get_word_index() == words
    assert kdatasets.imdb.load_data(nb_words=20)[0][0].tolist() == \
        kdatasets.imdb.load_data(num_words=20)[0][0].tolist()
    with pytest.raises(TypeError, match="unrecognized"):
        kdatasets.imdb.load_data(num_word=3)
    with pytest.raises(ValueError, match="maxlen"):
        kdatasets.imdb.load_data(maxlen=2)
    assert len(server.requests) == 2


def test_reuters_matches_keras(server, monkeypatch, keras_datasets):
    rng = np.random.RandomState(5)
    _publish(server, "reuters.npz", _npz_bytes(x=_word_data(rng, 20), y=rng.randint(0, 46, 20)))
    _publish(server, "reuters_word_index.json", json.dumps({"oil": 1}).encode(), "md5")
    _with_keras_reading(monkeypatch, keras_datasets.reuters, lambda f: _cache(f))
    for kwargs in IMDB_CASES[:4] + [dict(test_split=0.5, seed=3)]:
        ours = kdatasets.reuters.load_data(**kwargs)
        theirs = keras_datasets.reuters.load_data(**kwargs)
        for (xo, yo), (xt, yt) in zip(ours, theirs):
            assert [list(s) for s in xo] == [list(s) for s in xt], kwargs
            np.testing.assert_array_equal(yo, yt)
    assert kdatasets.reuters.get_word_index() == {"oil": 1}
    assert kdatasets.reuters.get_label_names() == keras_datasets.reuters.get_label_names()


@pytest.mark.parametrize("name,width", [("boston_housing", 13), ("california_housing", 8)])
def test_housing_matches_keras(server, monkeypatch, keras_datasets, name, width):
    rng = np.random.RandomState(6)
    x, y = rng.rand(25, width), rng.rand(25) * 50
    _publish(server, f"{name}.npz", _npz_bytes(x=x, y=y))
    ours_mod, theirs_mod = getattr(kdatasets, name), getattr(keras_datasets, name)
    _with_keras_reading(monkeypatch, theirs_mod, lambda f: _cache(f))
    for kwargs in (dict(), dict(test_split=0.4, seed=1), dict(test_split=0.0)):
        ours, theirs = ours_mod.load_data(**kwargs), theirs_mod.load_data(**kwargs)
        for (a, b), (c, d) in zip(ours, theirs):
            np.testing.assert_allclose(a, c)
            np.testing.assert_allclose(b, d)
            assert a.shape[1:] == (width,) and a.dtype == c.dtype
    with pytest.raises(ValueError, match="test_split"):
        ours_mod.load_data(test_split=1.0)
    if name == "california_housing":
        small = ours_mod.load_data(version="small")
        np.testing.assert_allclose(small[0][0], theirs_mod.load_data(version="small")[0][0])
        with pytest.raises(ValueError, match="version"):
            ours_mod.load_data(version="medium")


def test_unknown_dataset_name():
    with pytest.raises(AttributeError, match="mnist"):
        kdatasets.foo
    assert set(kdatasets.DATASETS) <= set(dir(kdatasets))


# ----------------------------------------------------------------------------- get_file
def test_checksum_mismatch_raises_and_leaves_no_file(server):
    server.files["/mnist.npz"] = b"not the real file"
    kdatasets.set_source(server.url, {"mnist.npz": "0" * 64})
    with pytest.raises(ValueError) as info:
        kdatasets.mnist.load_data()
    message = str(info.value)
    assert "mnist.npz" in message and "0" * 64 in message
    assert _sha256(b"not the real file") in message
    assert not os.path.exists(_cache("mnist.npz"))
    assert not os.path.exists(_cache("mnist.npz.part"))


def test_corrupt_cached_file_is_downloaded_again(server):
    data = _npz_bytes(x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8),
                      x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    _publish(server, "mnist.npz", data)
    os.makedirs(_cache(""), exist_ok=True)
    with open(_cache("mnist.npz"), "wb") as f:
        f.write(b"garbage")
    (x_train, _), _ = kdatasets.mnist.load_data()
    assert x_train.shape == (2, 28, 28) and len(server.requests) == 1
    with open(_cache("mnist.npz"), "rb") as f:
        assert f.read() == data


def test_truncated_download_then_resume_with_range(server):
    data = os.urandom(300_000)
    server.files["/blob.bin"] = data
    server.cut_after["/blob.bin"] = 100_000
    url = server.url + "blob.bin"
    with pytest.raises(file_utils.DownloadError) as info:
        file_utils.get_file("blob.bin", url, file_hash=_sha256(data))
    assert isinstance(info.value, OSError)
    assert url in str(info.value) and "100000 of 300000" in str(info.value)
    assert not os.path.exists(_cache("blob.bin"))           # no corrupt cache entry
    assert os.path.getsize(_cache("blob.bin.part")) == 100_000
    del server.cut_after["/blob.bin"]
    path = file_utils.get_file("blob.bin", url, file_hash=_sha256(data))
    assert server.requests[-1] == ("/blob.bin", "bytes=100000-")
    with open(path, "rb") as f:
        assert f.read() == data
    assert not os.path.exists(_cache("blob.bin.part"))


def test_resume_without_range_support_restarts(server):
    data = os.urandom(50_000)
    server.files["/blob.bin"] = data
    server.ranges = False
    os.makedirs(_cache(""), exist_ok=True)
    with open(_cache("blob.bin.part"), "wb") as f:
        f.write(b"x" * 1000)  # a stale partial file the server cannot continue
    path = file_utils.get_file("blob.bin", server.url + "blob.bin", file_hash=_sha256(data))
    with open(path, "rb") as f:
        assert f.read() == data


def test_stale_partial_file_with_wrong_bytes_is_refetched(server):
    data = os.urandom(20_000)
    server.files["/blob.bin"] = data
    os.makedirs(_cache(""), exist_ok=True)
    with open(_cache("blob.bin.part"), "wb") as f:
        f.write(b"y" * 500)  # resumed by the server, but the prefix is wrong: hash fails
    path = file_utils.get_file("blob.bin", server.url + "blob.bin", file_hash=_sha256(data))
    with open(path, "rb") as f:
        assert f.read() == data
    assert [r[1] for r in server.requests] == ["bytes=500-", None]


def test_unreachable_host_error_names_url_and_offline_path(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens on this port now
    url = f"http://127.0.0.1:{port}/data.csv"
    with pytest.raises(OSError) as info:
        file_utils.get_file(origin=url)
    assert isinstance(info.value, file_utils.DownloadError)
    assert url in str(info.value)
    assert os.path.join(str(tmp_path), "datasets", "data.csv") in str(info.value)


def test_http_404(server):
    with pytest.raises(file_utils.DownloadError, match="404"):
        file_utils.get_file(origin=server.url + "missing.txt")


def test_md5_hash_and_force_download(server):
    server.files["/a.txt"] = b"hello"
    path = file_utils.get_file(origin=server.url + "a.txt",
                               md5_hash=hashlib.md5(b"hello").hexdigest())
    assert pathlib.Path(path).read_bytes() == b"hello"
    file_utils.get_file(origin=server.url + "a.txt", force_download=True)
    assert len(server.requests) == 2
    assert file_utils.validate_file(path, hashlib.md5(b"hello").hexdigest())
    assert file_utils.hash_file(path) == _sha256(b"hello")


def test_zip_extraction_paths_like_keras(server, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("folder/a.txt", "A")
        z.writestr("../escape.txt", "no")
    server.files["/pack.zip"] = buf.getvalue()
    with pytest.warns(UserWarning, match="unsafe"):
        out = file_utils.get_file("pack.zip", server.url + "pack.zip", extract=True,
                                  cache_dir=str(tmp_path / "c"))
    assert out == str(tmp_path / "c" / "datasets" / "pack_extracted")
    assert pathlib.Path(os.path.join(out, "folder", "a.txt")).read_text() == "A"
    assert not (tmp_path / "c" / "datasets" / "escape.txt").exists()
    with pytest.warns(UserWarning, match="unsafe"):
        out2 = file_utils.get_file("pack", server.url + "pack.zip", extract=True,
                                   cache_dir=str(tmp_path / "c"))
    assert out2 == str(tmp_path / "c" / "datasets" / "pack")
    assert os.path.exists(str(tmp_path / "c" / "datasets" / "pack_archive"))


def test_get_file_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="origin"):
        file_utils.get_file("x")
    with pytest.raises(ValueError, match="fname"):
        file_utils.get_file(os.path.join("a", "b"), origin="http://127.0.0.1:1/b",
                            cache_dir=str(tmp_path))
    with pytest.raises(ValueError, match="hash_algorithm"):
        file_utils.get_file("b", origin="http://127.0.0.1:1/b", hash_algorithm="sha1",
                            cache_dir=str(tmp_path))


def test_restricted_unpickler_rejects_code(tmp_path):
    marker = tmp_path / "marker"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    payload = np.empty(1, dtype=object)
    payload[0] = Exploit()
    path = tmp_path / "evil.npz"
    np.savez(path, x=payload)
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        _source.load_npz(str(path))
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps({b"data": Exploit()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        _source.load_pickle(str(tmp_path / "evil.pkl"))
    assert not marker.exists()


def test_partial_file_longer_than_remote_restarts(server):
    data = os.urandom(3_000)
    server.files["/blob.bin"] = data
    os.makedirs(_cache(""), exist_ok=True)
    with open(_cache("blob.bin.part"), "wb") as f:
        f.write(b"z" * 5_000)  # the server answers 416 to this range
    path = file_utils.get_file("blob.bin", server.url + "blob.bin")
    assert pathlib.Path(path).read_bytes() == data
    assert [r[1] for r in server.requests] == ["bytes=5000-", None]


def test_untar_and_reextraction_after_new_download(server):
    server.files["/pack.tar.gz"] = _tar_gz({"inner/a.txt": b"one"})
    out = file_utils.get_file("pack", server.url + "pack.tar.gz", untar=True)
    assert out == _cache("pack")
    assert pathlib.Path(out, "inner", "a.txt").read_text() == "one"
    assert os.path.exists(_cache("pack_archive"))
    server.files["/pack.tar.gz"] = _tar_gz({"inner/b.txt": b"two"})
    out = file_utils.get_file("pack", server.url + "pack.tar.gz", untar=True, force_download=True)
    assert sorted(os.listdir(os.path.join(out, "inner"))) == ["b.txt"]  # replaced, not merged
    with pytest.warns(UserWarning, match="extract"):
        server.files["/plain.bin"] = b"not an archive"
        file_utils.get_file("plain.bin", server.url + "plain.bin", extract=True)
