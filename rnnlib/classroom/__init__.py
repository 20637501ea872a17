"""Tools for teachers: the student edition of the notebooks (:mod:`rnnlib.classroom.student`).

The grader is :mod:`rnnlib.classroom.grade` (console script ``rnnlib-grade``). Neither is imported by the
course's notebooks; both need ``nbformat`` (and the grader ``nbclient``), which come with JupyterLab.
"""
