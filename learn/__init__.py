"""Learner mode (``python -m learn``): the milestone checklist, run on the learner's own code.

* ``spec``       which functions a learner writes for each milestone (read from the catalogue)
* ``workspace``  the learner's files: stubs, loading, the reference solution in the same form
* ``patch``      the learner's functions in place of ours, everywhere the project runs
* ``checks``     a milestone's own tests, run on the learner's code under a time limit
* ``progress``   workspace/progress.json
* ``runner``     a project script run on the learner's code (``learn run``, the tour, the tests)
"""
