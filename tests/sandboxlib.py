"""What tests of the sandbox share."""


def passable(tmp_path):
    """A writable folder ``tmp_path/w`` that the sandbox's own user can reach.

    Kernels run as a user of their own: it must pass through to its folder,
    as it does in grading.
    """
    tmp_path.chmod(0o711)
    for parent in tmp_path.parents:
        if parent.name.startswith("pytest-"):
            parent.chmod(0o711)
    work = tmp_path / "w"
    work.mkdir()
    return work
