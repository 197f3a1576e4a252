"""Lambda@Edge viewer-request function and the CloudFront policy codec (standard library only)."""
