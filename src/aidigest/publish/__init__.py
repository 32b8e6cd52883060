"""Publish a rendered digest into a Hugo site: atomic write, optional Hugo build.

Does NOT write content: it receives finished markdown from :mod:`aidigest.render`.
"""

from aidigest.publish.site import (
    build_site,
    find_hugo,
    init_site,
    post_path,
    write_atomic,
)

__all__ = ["build_site", "find_hugo", "init_site", "post_path", "write_atomic"]
