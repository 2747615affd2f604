"""In-tree PEP 517 build backend for freshet's wheel (see pyproject.toml).

build_wheel: configures the project with CMake for the running interpreter (sys.executable:
pip runs the backend with the interpreter it installs for), builds the pybind11 target, and
writes a wheel of <build>/python/freshet (the .py files CMake copied there and the compiled
_core module). Environment: FRESHET_WHEEL_BUILD_DIR (default <source>/build-wheel, reused
between builds), FRESHET_CMAKE_ARGS (extra CMake arguments), CMAKE_BUILD_PARALLEL_LEVEL.
No sdist: build from a checkout.
"""

import base64
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _project():
    with open(os.path.join(_ROOT, "pyproject.toml"), "rb") as f:
        doc = tomllib.load(f)
    return doc["project"], doc.get("tool", {}).get("freshet-build", {})


def _tag():
    impl = "cp%d%d" % sys.version_info[:2]
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return impl, impl, plat


def _metadata(project):
    lines = ["Metadata-Version: 2.1", "Name: " + project["name"],
             "Version: " + project["version"], "Summary: " + project.get("description", ""),
             "Requires-Python: " + project.get("requires-python", ">=3")]
    lines += ["Requires-Dist: " + d for d in project.get("dependencies", [])]
    for extra, deps in project.get("optional-dependencies", {}).items():
        lines.append("Provides-Extra: " + extra)
        lines += ['Requires-Dist: %s; extra == "%s"' % (d, extra) for d in deps]
    return "\n".join(lines) + "\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    project, _ = _project()
    name = "%s-%s.dist-info" % (project["name"], project["version"])
    os.makedirs(os.path.join(metadata_directory, name), exist_ok=True)
    with open(os.path.join(metadata_directory, name, "METADATA"), "w") as f:
        f.write(_metadata(project))
    return name


def _build(tool):
    build_dir = os.environ.get("FRESHET_WHEEL_BUILD_DIR", os.path.join(_ROOT, "build-wheel"))
    configure = ["cmake", "-S", _ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                 "-DFRESHET_BUILD_TESTS=OFF", "-DFRESHET_BUILD_BENCH=OFF",
                 "-DFRESHET_BUILD_EXAMPLES=OFF", "-DFRESHET_PYTHON=ON",
                 "-DPython_EXECUTABLE=" + sys.executable]
    if shutil.which("ninja") and not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        configure += ["-G", "Ninja"]
    configure += shlex.split(os.environ.get("FRESHET_CMAKE_ARGS", ""))
    subprocess.run(configure, check=True, stdout=sys.stderr)
    subprocess.run(["cmake", "--build", build_dir, "--target", tool.get("target",
                                                                         "freshet_python")],
                   check=True, stdout=sys.stderr)
    return os.path.join(build_dir, "python", "freshet")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project, tool = _project()
    package = _build(tool)
    name, version = project["name"], project["version"]
    tag = "-".join(_tag())
    wheel_name = "%s-%s-%s.whl" % (name, version, tag)
    dist_info = "%s-%s.dist-info" % (name, version)
    records = []

    def add(zf, arcname, data):
        zf.writestr(arcname, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        records.append("%s,sha256=%s,%d" % (arcname, digest, len(data)))

    os.makedirs(wheel_directory, exist_ok=True)
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w",
                         zipfile.ZIP_DEFLATED) as zf:
        for dirpath, dirnames, filenames in os.walk(package):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for filename in sorted(filenames):
                if not (filename.endswith(".py") or filename.endswith(".so")):
                    continue
                path = os.path.join(dirpath, filename)
                arcname = os.path.join("freshet", os.path.relpath(path, package))
                with open(path, "rb") as f:
                    add(zf, arcname, f.read())
        add(zf, dist_info + "/METADATA", _metadata(project).encode())
        add(zf, dist_info + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: freshet_build\n"
                                       "Root-Is-Purelib: false\nTag: %s\n" % tag).encode())
        records.append(dist_info + "/RECORD,,")
        zf.writestr(dist_info + "/RECORD", "\n".join(records) + "\n")
    return wheel_name
