"""What is fitted offline, on the fitting parts of the public sets, and never runs when a
question comes: the evaluation sets and their split, the second stage's and the answer step's
fitting, the learning machinery they share, and the reader's training. ``qa/`` itself holds
the read path, which applies what these wrote (``qa/fitted.json``, the reader's weights)."""
