// Tests for viewer-request.js with node's built-in runner: `node --test cloudfront/`.
// The function is loaded as CloudFront loads it: a script defining `handler`, no modules.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const source = fs.readFileSync(path.join(__dirname, 'viewer-request.js'), 'utf8');
const handler = vm.runInThisContext(`(function () { ${source}\nreturn handler; })()`);

// The shape of a CloudFront Functions viewer-request event (event structure, version 1.0).
function viewerRequest(headers) {
    return {
        version: '1.0',
        context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', eventType: 'viewer-request', requestId: 'r-1' },
        viewer: { ip: '198.51.100.11' },
        request: { method: 'GET', uri: '/index.html', querystring: {}, headers, cookies: {} },
    };
}

test('copies Host into x-forwarded-host', () => {
    const request = handler(viewerRequest({ host: { value: 'live-my-func.example.com' } }));
    assert.deepEqual(request.headers['x-forwarded-host'], { value: 'live-my-func.example.com' });
    assert.deepEqual(request.headers.host, { value: 'live-my-func.example.com' });
});

test('overwrites an x-forwarded-host the client sent, multi-values included', () => {
    const request = handler(viewerRequest({
        host: { value: 'live-app.example.com' },
        'x-forwarded-host': { value: 'live-admin.example.com', multiValue: [{ value: 'live-admin.example.com' }, { value: 'x' }] },
    }));
    assert.deepEqual(request.headers['x-forwarded-host'], { value: 'live-app.example.com' });
});

test('drops a client x-forwarded-host when there is no Host', () => {
    const request = handler(viewerRequest({ 'x-forwarded-host': { value: 'live-admin.example.com' } }));
    assert.equal(request.headers['x-forwarded-host'], undefined);
});

test('leaves the rest of the request alone', () => {
    const event = viewerRequest({ host: { value: 'v1-api.example.com' }, accept: { value: 'text/html' } });
    const request = handler(event);
    assert.equal(request.uri, '/index.html');
    assert.equal(request.method, 'GET');
    assert.deepEqual(request.headers.accept, { value: 'text/html' });
});
