#!/usr/bin/env bash
# Pins down: OpenTimelineIO 0.18.1 built here from its sdist (C++ with CMake and pybind11) and repaired by ferry
# gives auditwheel 6.8.2's file name, WHEEL tags and grafted files; both repaired wheels install into fresh venvs
# and build a timeline with a clip, serialize it to JSON and read it back equal (whatever was grafted hidden on the
# system). Oracles: auditwheel repair, OTIO's own equivalence check. The first run compiles OTIO; it is cached.
# timeout: 1800
source "$(dirname "$0")/../common.sh"
source "$SRC/tests/lib/sdist.sh"
need_cmd g++
sdist_repair_case opentimelineio opentimelineio '
import opentimelineio as otio
rt = otio.opentime.RationalTime
tl = otio.schema.Timeline(name="ferry")
track = otio.schema.Track(name="V1")
tl.tracks.append(track)
track.append(otio.schema.Clip(name="shot1", source_range=otio.opentime.TimeRange(rt(0, 24), rt(48, 24))))
text = otio.adapters.write_to_string(tl, "otio_json")
back = otio.adapters.read_from_string(text, "otio_json")
assert back.is_equivalent_to(tl) and back.tracks[0][0].name == "shot1", text
assert back.duration() == rt(48, 24), back.duration()
assert otio.core.deserialize_json_from_string(otio.core.serialize_json_to_string(tl)).is_equivalent_to(tl)
print("ok otio", otio.__version__, "round trip of", len(text), "bytes of JSON")
'
