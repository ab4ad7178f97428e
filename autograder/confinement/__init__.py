"""What keeps learner code in its place.

Learner notebooks are untrusted code. The modules here are the only ones
that run it, start what runs it, or take anything back from it:

- :mod:`~autograder.confinement.sandbox`: namespaces, mounts, an
  unprivileged user and a kept environment, entered before any learner code
  runs;
- :mod:`~autograder.confinement.zygote`: the clean, preloaded process every
  sandboxed kernel and re-check worker is forked from;
- :mod:`~autograder.confinement.limits`: resource limits (memory, CPU time,
  processes, file size) and the size limits on submitted notebooks;
- :mod:`~autograder.confinement.recheck`: the trusted re-check, which scores
  the tests in a process that never ran learner code, with only plain data
  crossing from the learner's process;
- :mod:`~autograder.confinement.withheld`: what the re-check's worker cannot
  use (the course's reference, modules an exercise forbids), hidden from its
  file system and disarmed in its memory;
- :mod:`~autograder.confinement.sanitise`: feedback stripped of script and
  network requests before a learner sees it.
"""
