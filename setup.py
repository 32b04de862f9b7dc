"""The one compiled module, apps/obds/compiled_reader.pyx (see there). It is optional: where it cannot be built (no
C compiler, no Python headers) the install goes on with a warning, and the portal reads uploads in Python."""

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = cythonize(
    [Extension("apps.obds.compiled_reader", ["apps/obds/compiled_reader.pyx"], include_dirs=lxml.get_include())],
    quiet=True,
)
for extension in extensions:
    extension.optional = True  # cythonize does not pass this on

setup(ext_modules=extensions)
