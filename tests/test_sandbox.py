from autograder.sandbox import mount_script


def test_mounts_go_parents_first_and_nested_hidden_folders_are_skipped(tmp_path):
    outer, inner, work = tmp_path / "out", tmp_path / "out" / "feedback", tmp_path / "w"
    for folder in (outer, inner, work):
        folder.mkdir()
    script = mount_script(
        read_only=[str(work), str(tmp_path)],
        hide=[str(inner), str(outer)],
        writable=[str(work)],
        command=["python", "-c", "print('hi there')"],
    )
    steps = script.split(" && ")
    assert steps[0] == f"mount --bind -o ro {tmp_path} {tmp_path}"
    assert steps[1] == f"mount --bind -o ro {work} {work}"
    assert steps[2] == f"mount -t tmpfs -o ro,size=4k tmpfs {outer}"
    assert steps[3] == f"mount --bind {work} {work}"
    assert steps[4] == "exec python -c 'print('\"'\"'hi there'\"'\"')'"
    assert len(steps) == 5


def test_missing_folders_are_left_out(tmp_path):
    script = mount_script([str(tmp_path / "gone")], [], [], ["true"])
    assert script == "exec true"
