// lamux: CloudFront viewer-request function (runtime cloudfront-js-2.0).
//
// A Lambda Function URL routes by Host, so CloudFront forwards every viewer header except
// Host (origin request policy AllViewerExceptHostHeader). lamux routes by the viewer's
// host, so this function copies Host into X-Forwarded-Host. It overwrites whatever
// X-Forwarded-Host a client sent: lamux must never route on a value the viewer chose.
function handler(event) {
    var request = event.request;
    var host = request.headers.host;
    if (host && host.value) {
        request.headers['x-forwarded-host'] = { value: host.value };
    } else {
        delete request.headers['x-forwarded-host'];
    }
    return request;
}
