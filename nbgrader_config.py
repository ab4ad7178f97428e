"""nbgrader configuration, for running nbgrader's own commands in this folder.

`python -m autograder` does not read it: it runs nbgrader in a temporary
course folder with a configuration of its own (autograder/nbgrader_run.py).
"""

c = get_config()  # noqa: F821  (nbgrader injects get_config)

c.CourseDirectory.root = "."
# The course keeps nbgrader's "source" and "release" folders under the names
# that tell learners and instructors what they hold.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.course_id = "sigmoid-course"
