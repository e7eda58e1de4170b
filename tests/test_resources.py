from emolab.resources import resource_path, resource_root


def test_resources_are_found():
    root = resource_root()
    assert (root / "schemes" / "multimodal14.json").is_file()
    assert resource_path("skeletons", "kinect_v2.json").is_file()
    assert resource_path("labels", "default.json").is_file()
