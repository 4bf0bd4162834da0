"""keras.utils.get_file: download a file once into the Keras cache, check it, extract it.

Who owns what:
- Where: ``$KERAS_HOME`` (read at call time) or ``~/.keras``, then ``cache_subdir``; the
  file names and the extraction folders are the ones Keras uses, so a cache filled by Keras
  is reused as is.
- Download: ``urllib`` into ``<target>.part`` next to the target. A ``.part`` left by an
  interrupted download is resumed with an HTTP ``Range`` request when the server honours
  it (else the download starts over). Only a complete file that passed its checksum is
  moved onto the target name (``os.replace``, atomic), so the cache never holds a partial
  or corrupt file under the real name.
- Errors: a host that cannot be reached, an HTTP error or a connection that ends early
  raise ``DownloadError`` (a subclass of ``OSError``) that names the URL and says where to
  put the file by hand to work offline. A checksum mismatch raises ``ValueError`` naming
  the file and both hashes, and deletes the bad download.
- Extraction (tar, tar.gz, tar.bz2, zip): into a temporary folder beside the target, then
  renamed onto the final folder; members that would land outside it are skipped.
"""
import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from kerasish.utils import progbar as progbar_lib

__all__ = ["get_file", "DownloadError", "hash_file", "validate_file", "keras_home",
           "extract_archive"]

DOWNLOAD_TIMEOUT = 60  # seconds without data before a download is abandoned
_CHUNK = 1 << 16


class DownloadError(OSError):
    """A file could not be downloaded (host unreachable, HTTP error, connection cut)."""


def keras_home():
    """The Keras cache root: ``$KERAS_HOME`` when set, else ``~/.keras``."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = tempfile.gettempdir()
    return os.path.join(base, ".keras")


# ----------------------------------------------------------------------------- hashes
def _resolve_algorithm(algorithm, file_hash=None):
    algorithm = (algorithm or "auto").lower()
    if algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(
            "get_file: `hash_algorithm` must be one of 'auto', 'sha256', 'md5'. "
            f"Received: hash_algorithm={algorithm!r}")
    if algorithm == "auto":
        return "sha256" if file_hash is not None and len(str(file_hash)) == 64 else "md5"
    return algorithm


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK):
    """Hex digest of a file (``'sha256'``, ``'md5'``, or ``'auto'`` = sha256)."""
    algorithm = "sha256" if algorithm == "auto" else _resolve_algorithm(algorithm)
    hasher = hashlib.new(algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK):
    """Whether the file's hash equals ``file_hash`` (algorithm picked from its length)."""
    algorithm = _resolve_algorithm(algorithm, file_hash)
    return hash_file(fpath, algorithm, chunk_size) == str(file_hash).lower()


# ----------------------------------------------------------------------------- paths
def _cache_dir(cache_dir, cache_subdir):
    base = os.path.expanduser(cache_dir if cache_dir is not None else keras_home())
    try:
        os.makedirs(base, exist_ok=True)
        writable = os.access(base, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        base = os.path.join(tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    return datadir


def _targets(fname, origin, datadir, extracting):
    """(download path, extraction folder or None), named as Keras names them."""
    given = fname
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(
                f"get_file: cannot tell a file name from origin={origin!r}; pass `fname`.")
    elif os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(
            "get_file: `fname` must be a file name, not a path; use `cache_dir` or "
            f"`cache_subdir` to choose the folder. Received: fname={fname!r}")
    if not extracting:
        return os.path.join(datadir, fname), None
    if given and "." in fname:
        stem = fname[:fname.find(".")]
        return os.path.join(datadir, fname), os.path.join(datadir, f"{stem}_extracted")
    return os.path.join(datadir, f"{fname}_archive"), os.path.join(datadir, fname)


# ----------------------------------------------------------------------------- download
def _offline_hint(origin, target):
    return (f"To work offline, download {origin} yourself and save it as {target} "
            "(the hash is checked when one is given).")


def _open(origin, target, start):
    headers = {"User-Agent": "kerasish-get-file"}
    if start:
        headers["Range"] = f"bytes={start}-"
    request = urllib.request.Request(origin, headers=headers)
    try:
        return urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT)
    except urllib.error.HTTPError as e:
        if e.code == 416 and start:
            return None  # the partial file is not a prefix the server recognizes
        raise DownloadError(
            f"get_file: URL fetch failure on {origin}: HTTP {e.code} {e.reason}. "
            f"{_offline_hint(origin, target)}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise DownloadError(
            f"get_file: URL fetch failure on {origin}: {reason}. "
            f"{_offline_hint(origin, target)}") from None


def _resume_offset(response, start):
    """Where the server's answer starts: ``start`` for a matching 206, else 0 (full file)."""
    if not start or response.status != 206:
        return 0
    content_range = response.headers.get("Content-Range", "")
    try:
        first = int(content_range.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return 0
    return start if first == start else 0


def _download(origin, target):
    """Downloads ``origin`` into ``target + '.part'`` (resuming it); returns (path, resumed)."""
    part = target + ".part"
    start = os.path.getsize(part) if os.path.exists(part) else 0
    response = _open(origin, target, start)
    if response is None:  # 416: drop the stale partial file and start over
        os.remove(part)
        start = 0
        response = _open(origin, target, 0)
    with response:
        offset = _resume_offset(response, start)
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None and length.isdigit() else None
        bar = progbar_lib.Progbar(total)
        received = offset
        with open(part, "ab" if offset else "wb") as f:
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except (OSError, http.client.HTTPException) as e:
                    raise DownloadError(
                        f"get_file: the download of {origin} was interrupted after {received} "
                        f"bytes ({e}). Calling get_file again resumes it. "
                        f"{_offline_hint(origin, target)}") from None
                if not chunk:
                    break
                f.write(chunk)
                received += len(chunk)
                if total is None or received < total:
                    bar.update(received)
        if total is not None and received < total:
            raise DownloadError(
                f"get_file: the connection to {origin} closed after {received} of {total} "
                "bytes. Calling get_file again resumes the download. "
                f"{_offline_hint(origin, target)}")
        bar.update(received, finalize=True)
    return part, offset > 0


# ----------------------------------------------------------------------------- extraction
def _inside(base, name):
    path = os.path.realpath(os.path.join(base, name))
    return os.path.commonpath([path, base]) == base


def _extract_tar(archive_path, into):
    with tarfile.open(archive_path) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(into, filter="data")
            return
        base = os.path.realpath(into)
        members = []
        for member in archive.getmembers():
            if (member.issym() or member.islnk()) or not _inside(base, member.name):
                warnings.warn(f"Skipping unsafe archive member: {member.name!r}", stacklevel=3)
                continue
            members.append(member)
        archive.extractall(into, members=members)


def _extract_zip(archive_path, into):
    base = os.path.realpath(into)
    with zipfile.ZipFile(archive_path) as archive:
        members = []
        for info in archive.infolist():
            if not _inside(base, info.filename):
                warnings.warn(f"Skipping unsafe archive member: {info.filename!r}", stacklevel=3)
                continue
            members.append(info)
        archive.extractall(into, members=members)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar/zip archive into ``path`` (atomically); False if it is neither."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    if isinstance(formats, str):
        formats = [formats]
    file_path, path = os.fspath(file_path), os.fspath(path)
    for fmt in formats:
        if fmt == "tar":
            matches, extract = tarfile.is_tarfile, _extract_tar
        elif fmt == "zip":
            matches, extract = zipfile.is_zipfile, _extract_zip
        else:
            raise ValueError(
                "get_file: `archive_format` must be 'auto', 'tar', 'zip', a list of them, or "
                f"None. Received: archive_format={archive_format!r}")
        if not matches(file_path):
            continue
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".extracting-", dir=parent)
        try:
            extract(file_path, staging)
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.remove(path)
            os.replace(staging, path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return True
    return False


# ----------------------------------------------------------------------------- public
def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Downloads a file from a URL unless it is already in the cache.

    The file lands in ``cache_dir/cache_subdir/fname`` (by default
    ``~/.keras/datasets/fname``, or under ``$KERAS_HOME``).

    Args:
        fname: local file name; ``None`` takes the last part of the URL. When extracting,
            a name without a dot names the extraction folder.
        origin: URL of the file.
        untar: deprecated spelling of ``extract=True`` for tar archives.
        md5_hash: deprecated spelling of ``file_hash`` with md5.
        file_hash: expected sha256 (64 hex digits) or md5 hash of the file.
        cache_subdir: folder under the cache root (an absolute path is used as is).
        hash_algorithm: ``'auto'`` (by hash length), ``'sha256'`` or ``'md5'``.
        extract: whether to extract the archive (tar, tar.gz, tar.bz2, zip).
        archive_format: ``'auto'``, ``'tar'``, ``'zip'``, a list of them, or None.
        cache_dir: cache root; defaults to ``$KERAS_HOME`` or ``~/.keras``.
        force_download: download even when a valid cached copy exists.

    Returns:
        The path of the downloaded file, or of the extraction folder when extracting.

    Raises:
        DownloadError: (an ``OSError``) the URL could not be fetched or the transfer was
            cut; the message names the URL and the file to place by hand to work offline.
        ValueError: the download does not match ``file_hash``.

    Example:

    >>> path = get_file(origin="https://example.com/data.csv")  # doctest: +SKIP
    """
    if origin is None:
        raise ValueError("get_file: `origin` (the URL to download) is required. "
                         "Received: origin=None")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    algorithm = _resolve_algorithm(hash_algorithm, file_hash)
    if file_hash is not None:
        file_hash = str(file_hash).lower()
    fname = os.fspath(fname) if fname is not None else None
    datadir = _cache_dir(cache_dir, cache_subdir)
    extracting = bool(extract or untar)
    target, extraction_dir = _targets(fname, origin, datadir, extracting)

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash, algorithm):
        print(f"A local file was found at {target}, but its {algorithm} hash does not match "
              f"the expected {file_hash}, so the data will be downloaded again.")
        download = True

    if download:
        print(f"Downloading data from {origin}")
        for attempt in (0, 1):
            part, resumed = _download(origin, target)
            if file_hash is None:
                break
            received = hash_file(part, algorithm)
            if received == file_hash:
                break
            os.remove(part)
            if resumed and attempt == 0:
                continue  # the kept partial file may be stale: fetch the whole file once more
            raise ValueError(
                f"get_file: the file downloaded from {origin} for {target} is incomplete or "
                f"corrupted: expected {algorithm} hash {file_hash}, received {received}. "
                "The bad download was deleted.")
        os.replace(part, target)

    if not extracting:
        return target
    if download or not os.path.exists(extraction_dir):
        if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
            warnings.warn(f"get_file: could not extract {target}: not a tar or zip archive.",
                          stacklevel=2)
    return extraction_dir
