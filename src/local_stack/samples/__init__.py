"""The local stack's sample data: assets in LINC's key shapes, streamlines, and the sample link."""
