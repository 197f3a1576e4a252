// The archive web app's `serviceURL` (web/src/views/FileBrowserView/FileBrowser.vue), extended
// with the two placeholders our "External Services" entries use ($asset_s3_path$, $asset_name$).
// It replaces the web app's function as is; the call site in `getExternalServices` passes one
// more field, `assetPath: path.path` (the asset's path in the dandiset). docs/external-services.md
// shows the patch; tests/linc_edge_auth/test_external_services_js.py runs this file under Node
// against the Python builder (linc_edge_auth.viewer_state): same state JSON, byte for byte.
function serviceURL(endpoint, data) {
  const assetS3Path = new URL(data.assetS3Url).pathname; // "/zarr/<uuid>", "/blobs/a/b/<uuid>"
  // The file name lands inside a JSON string in the URL fragment: JSON-escape it as
  // Neuroglancer's links do (DEL and non-ASCII as \uXXXX), then percent-encode.
  const escaped = JSON.stringify(data.assetPath.split('/').pop()).slice(1, -1)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return endpoint
    .replaceAll('$dandiset_id$', data.dandisetId)
    .replaceAll('$dandiset_version$', data.dandisetVersion)
    .replaceAll('$asset_url$', data.assetUrl)
    .replaceAll('$asset_dandi_url$', data.assetDandiUrl)
    .replaceAll('$asset_s3_url$', data.assetS3Url)
    .replaceAll('$asset_s3_path$', assetS3Path)
    .replaceAll('$asset_name$', encodeURIComponent(escaped));
}

if (typeof module !== 'undefined') module.exports = { serviceURL };
