"""Tiny nested-structure helpers (lists, tuples, dicts of leaves)."""


def flatten(struct):
    """Leaves of a nested list/tuple/dict structure, dicts in key-insertion order."""
    out = []
    _flatten_into(struct, out)
    return out


def _flatten_into(struct, out):
    if isinstance(struct, (list, tuple)):
        for s in struct:
            _flatten_into(s, out)
    elif isinstance(struct, dict):
        for v in struct.values():
            _flatten_into(v, out)
    else:
        out.append(struct)


def map_structure(fn, struct):
    if isinstance(struct, list):
        return [map_structure(fn, s) for s in struct]
    if isinstance(struct, tuple):
        return tuple(map_structure(fn, s) for s in struct)
    if isinstance(struct, dict):
        return {k: map_structure(fn, v) for k, v in struct.items()}
    return fn(struct)


def pack_like(struct, flat):
    """Rebuild ``struct``'s shape from the leaves in ``flat``."""
    it = iter(flat)
    return map_structure(lambda _: next(it), struct)
