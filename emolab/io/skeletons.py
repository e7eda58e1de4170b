"""Skeleton topologies: joints, parents, and the semantic roles features and views use.

A role (``head``, ``neck``, ``pelvis``, ``left_hand`` …) names a body part independent of
the source's joint names, so body features and drawing work the same for BVH, CSV and
Kinect-style data. Bundled topologies live in ``resources/skeletons/*.json``; each lists
its joints and, per role, the joint names (aliases, best first) that can fill it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from emolab.resources import resource_path

ROLES: tuple[str, ...] = (
    "pelvis", "spine", "chest", "neck", "head",
    "left_shoulder", "left_elbow", "left_hand",
    "right_shoulder", "right_elbow", "right_hand",
    "left_hip", "left_knee", "left_foot",
    "right_hip", "right_knee", "right_foot",
)  # fmt: skip

#: Role pairs mirrored across the body's midline (left, right).
MIRROR_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (r, "right_" + r.removeprefix("left_")) for r in ROLES if r.startswith("left_")
)


def normalise_joint_name(name: str) -> str:
    """Lower-case a joint name and drop rig prefixes (``mixamorig:``) and separators."""
    name = name.rsplit(":", 1)[-1]
    return re.sub(r"[\s_.\-]", "", name).lower()


def joint_side(name: str) -> str:
    """'left', 'right' or 'center', guessed from a joint name (LeftArm, lShldr, HipLeft, L_Knee)."""
    bare = name.rsplit(":", 1)[-1]
    low = normalise_joint_name(bare)
    if "left" in low:
        return "left"
    if "right" in low:
        return "right"
    if re.match(r"^[lL](?:[A-Z_]|$)", bare) or re.search(r"[_.][lL]$", bare):
        return "left"
    if re.match(r"^[rR](?:[A-Z_]|$)", bare) or re.search(r"[_.][rR]$", bare):
        return "right"
    return "center"


def parents_problem(parents: Sequence[int], n_joints: int) -> str | None:
    """Why ``parents`` (one index per joint, -1 for a root) is not a forest, or None.

    Each parent must be -1 or another joint's index, and following parents from any joint
    must reach a root: no cycles. Iterative, so a deep chain cannot exhaust the stack.
    """
    if len(parents) != n_joints:
        return f"gives {len(parents)} parent indices for {n_joints} joints"
    for i, p in enumerate(parents):
        if not -1 <= p < n_joints:
            return f"parent {p} of joint {i} is neither -1 nor a joint index (0–{n_joints - 1})"
        if p == i:
            return f"joint {i} is its own parent"
    done = [False] * n_joints
    for start in range(n_joints):
        chain: set[int] = set()
        j = start
        while j >= 0 and not done[j]:
            if j in chain:
                return f"parents form a cycle through joint {j}"
            chain.add(j)
            j = parents[j]
        for k in chain:
            done[k] = True
    return None


@dataclass(frozen=True)
class Skeleton:
    """Joint names, parent indices (-1 for a root) and role → joint index."""

    name: str
    joint_names: tuple[str, ...]
    parents: tuple[int, ...]
    roles: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.joint_names) != len(self.parents):
            raise ValueError("joint_names and parents differ in length")
        problem = parents_problem(self.parents, len(self.joint_names))
        if problem:
            raise ValueError(problem)

    @property
    def n_joints(self) -> int:
        return len(self.joint_names)

    def joint(self, role: str) -> int | None:
        """Index of the joint filling ``role``, or None when the skeleton lacks it."""
        return self.roles.get(role)

    def bones(self) -> list[tuple[int, int]]:
        """(parent, child) index pairs."""
        return [(p, c) for c, p in enumerate(self.parents) if p >= 0]

    def sides(self) -> np.ndarray:
        """Per joint: -1 left, +1 right, 0 centre (for colouring bones)."""
        code = {"left": -1, "right": 1, "center": 0}
        return np.array([code[joint_side(n)] for n in self.joint_names], dtype=np.int8)

    def index(self, joint_name: str) -> int:
        return self.joint_names.index(joint_name)


@dataclass(frozen=True)
class Topology:
    """A bundled topology file: a reference skeleton plus role aliases, and for a marker
    set (C3D) how each joint centre is made from markers (``markers`` in the file; see
    :mod:`emolab.io.motion_c3d`)."""

    name: str
    title: str
    skeleton: Skeleton
    role_aliases: Mapping[str, tuple[str, ...]]
    marker_groups: Mapping[str, list] = field(default_factory=dict)


@cache
def load_topology(name: str) -> Topology:
    """A bundled topology by name (``kinect_v2``, ``humanoid``, ``plug_in_gait``)."""
    path = resource_path("skeletons", f"{name}.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    names = tuple(j[0] for j in data["joints"])
    parents = tuple(-1 if j[1] is None else names.index(j[1]) for j in data["joints"])
    aliases = {role: tuple(v) for role, v in data["roles"].items()}
    skeleton = Skeleton(data["name"], names, parents, resolve_roles(names, aliases))
    return Topology(
        name=data["name"],
        title=data.get("title", data["name"]),
        skeleton=skeleton,
        role_aliases=aliases,
        marker_groups=data.get("markers", {}),
    )


def bundled_topologies() -> list[str]:
    return sorted(p.stem for p in resource_path("skeletons").glob("*.json"))


def resolve_roles(
    joint_names: Sequence[str], aliases: Mapping[str, Sequence[str]] | None = None
) -> dict[str, int]:
    """Map roles to joints by name, trying each role's aliases in order of preference."""
    if aliases is None:
        aliases = _all_aliases()
    by_norm: dict[str, int] = {}
    for i, n in enumerate(joint_names):
        by_norm.setdefault(normalise_joint_name(n), i)
    roles: dict[str, int] = {}
    for role, names in aliases.items():
        for alias in names:
            index = by_norm.get(normalise_joint_name(alias))
            if index is not None and index not in roles.values():
                roles[role] = index
                break
    return roles


@cache
def _all_aliases() -> dict[str, tuple[str, ...]]:
    merged: dict[str, list[str]] = {}
    for name in bundled_topologies():
        for role, names in load_topology(name).role_aliases.items():
            merged.setdefault(role, [])
            merged[role] += [n for n in names if n not in merged[role]]
    return {k: tuple(v) for k, v in merged.items()}


def skeleton_for_names(
    joint_names: Sequence[str], parents: Sequence[int] | None = None, name: str = "custom"
) -> Skeleton:
    """A skeleton for joints known only by name (CSV, NPZ).

    When every joint belongs to one bundled topology, that topology's parents are used;
    otherwise the given parents (or none: every joint a root) and roles found by alias.
    """
    names = tuple(joint_names)
    if parents is None:
        for topo_name in bundled_topologies():
            topo = load_topology(topo_name)
            if set(names) <= set(topo.skeleton.joint_names):
                ref = topo.skeleton
                mapped = []
                for n in names:
                    p = ref.parents[ref.index(n)]
                    # climb past reference joints the data lacks
                    while p >= 0 and ref.joint_names[p] not in names:
                        p = ref.parents[p]
                    mapped.append(names.index(ref.joint_names[p]) if p >= 0 else -1)
                return Skeleton(topo.name, names, tuple(mapped), resolve_roles(names))
        parents = [-1] * len(names)
    return Skeleton(name, names, tuple(int(p) for p in parents), resolve_roles(names))
