"""aidigest: the recurring Chinese AI-news digest "过去4小时全球AI发生了什么？".

Stages (one subpackage each): ``sources`` → ``store`` → ``stories`` → ``writer`` →
``render`` → ``publish``; ``pipeline`` runs one slot end to end.
"""

__version__ = "0.1.0"
