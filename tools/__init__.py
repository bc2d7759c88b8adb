"""Repository machinery: what drives the repo, apart from what the projects teach.

* ``catalogue``      every project, its commands, milestones, tour steps and bench rows
* ``milestones``     the milestone checklist (``make milestones``)
* ``tour``           every project's headless demo and the gallery (``make tour``)
* ``bench``          our code vs the reference libraries, side by side (``make bench``)
* ``bench_harness``  the timing harness the bench rows use

Projects never import from here; ``common/`` holds the helpers they do import.
"""
