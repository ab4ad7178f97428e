"""nbgrader configuration for the course (read when nbgrader runs in this folder)."""

c = get_config()  # noqa: F821  (nbgrader injects get_config)

c.CourseDirectory.root = "."
# The course keeps nbgrader's "source" and "release" folders under the names
# that tell learners and instructors what they hold.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.course_id = "sigmoid-course"

# Learners see why a test failed, not the hidden test code.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
