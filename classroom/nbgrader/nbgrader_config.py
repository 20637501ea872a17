"""nbgrader configuration for the RNN/LSTM course, tested by tests/test_nbgrader.py with nbgrader 0.9.6.

Copy this file into your course folder (the folder that holds ``source/``) and run nbgrader there,
from the teacher's environment (``make teacher`` -> .venv-teacher/, see docs/teaching.md)::

    . .venv-teacher/bin/activate      # nbgrader runs `alembic` from PATH to create gradebook.db
    python tools/make_student.py --nbgrader-source ~/course/source
    cp classroom/nbgrader/nbgrader_config.py ~/course/
    cd ~/course && nbgrader generate_assignment 05_lstm_cell && nbgrader autograde 05_lstm_cell

The names below are the classes nbgrader 0.9 itself configures (nbgrader.coursedir.CourseDirectory,
nbgrader.preprocessors.Execute, nbgrader.preprocessors.LimitOutput). A misspelt name only gets a
warning in nbgrader's log (and none for a misspelt class), so tests/test_nbgrader.py reads every value
back through those classes.
"""

import os

c = get_config()  # noqa: F821 (traitlets defines get_config when it runs a config file)

# --- the course folder ---------------------------------------------------------------------------
# The gradebook (gradebook.db) and the exchange keep one course apart from another under this name.
c.CourseDirectory.course_id = "rnn-lstm"
# tools/make_student.py --nbgrader-source writes source/<notebook>/<notebook>.ipynb: one assignment
# per notebook with exercises, named like the notebook (02_rnn_recurrence, ..., 08_both_ways_and_gru).
# These are nbgrader's default names, written out so that the layout is stated in one place.
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.directory_structure = os.path.join("{nbgrader_step}", "{student_id}", "{assignment_id}")
# The root is the folder you run nbgrader in (nbgrader's default): not set here, so that the file
# can be copied anywhere.

# --- the kernel that runs the submissions ----------------------------------------------------------
# The notebooks' own kernel, "python3". Its kernelspec starts the kernel with `python`, which
# jupyter_client replaces by the Python that runs nbgrader: the teacher's environment, which holds
# every version of the course's lock (tests/test_lock.py checks it) and the course package (rnnlib).
# So submissions run with the same libraries as in the learners' JupyterLab.
c.Execute.kernel_name = "python3"
# One BLAS thread in the kernel (it inherits nbgrader's environment), like `make lab` and rnnlib-grade:
# the course's matrices are small and several BLAS threads spinning on a busy 2-core machine made one
# training run 17 s instead of 0.7 s. setdefault: a teacher's own setting wins.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

# --- time limits: one endless loop costs only its own marks -----------------------------------------
# Seconds per cell. nbgrader's default, 30 s, is shorter than notebook 03's training cell on a busy
# server (30-34 s measured on a 2-core machine with a load average of 3-5), which would then be cut
# off and its exercises graded on an untrained network's variables. 180 s is about 5 times that cell,
# the same per-cell limit as rnnlib-grade's --cell-timeout default; raise it on a slower or busier
# server. A submission with an endless loop costs one such limit per looping cell.
c.Execute.timeout = 180
# At the limit the kernel is interrupted (KeyboardInterrupt, its state kept) and the next cells still
# run, so a loop in one exercise does not take the others' marks with it. nbgrader 0.9's default is
# already True; stated here because the per-cell limit is only fair with it.
c.Execute.interrupt_on_timeout = True
# Seconds to wait for a cell's last outputs after the kernel said it finished (nbclient's default
# 4 s). nbgrader raises on this timeout, which fails the whole submission; on a loaded hub the
# output messages can lag behind, so wait longer. It costs nothing when they arrive on time.
c.Execute.iopub_timeout = 30
# Seconds for a kernel to start (nbclient's default 60 s; 1-3 s measured on the 2-core machine):
# a generous bound for a busy hub.
c.Execute.startup_timeout = 120
# Errors: nbgrader's Execute always runs every cell, errors allowed (allow_errors is True and not
# configurable in 0.9), so a failing exercise costs only its own test cell's points.

# --- feedback ------------------------------------------------------------------------------------
# Output kept per cell in the autograded notebook and the feedback (nbgrader's default 1000 lines,
# 100 traceback lines); the course's cells print a few lines, so the defaults only cut a runaway print
# loop, which would otherwise fill the feedback file.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
