"""The CloudFront emulator: the distribution of template.yaml played on loopback.

`distribution` reads behaviors, origins and key groups from the template (as `template_model`
resolves it); `emulator` serves requests with them; `signed_cookies` is CloudFront's
signed-cookie check; `edge_results` what CloudFront accepts back from an edge function;
`s3_origin` the S3 origin behind OAC.
"""
