import { describe, expect, it } from 'vitest';
import { networkInterfaces } from 'node:os';
import { allowedHosts, checkRequest, originAllowed } from '../../src/main/server/guard';
import { requestUrl } from '../../src/main/server/serve';
import { run as serveCommand } from '../../src/cli/commands/serve';
import { memoryIo } from '../../src/cli/io';

describe('which Host and Origin attune serve answers', () => {
  it('a loopback bind answers loopback names on its own port only', () => {
    const hosts = allowedHosts('127.0.0.1', 4000);
    expect([...hosts].sort()).toEqual(['127.0.0.1:4000', '[::1]:4000', 'localhost:4000']);
    expect(allowedHosts('::1', 4000).has('[::1]:4000')).toBe(true);
  });

  it('a wildcard bind also answers every address of this machine, IPv6 in brackets', () => {
    const hosts = allowedHosts('0.0.0.0', 4000);
    for (const list of Object.values(networkInterfaces())) {
      for (const i of list ?? []) {
        const a = i.address.replace(/%.*$/, '');
        expect(hosts.has(i.family === 'IPv6' ? `[${a}]:4000` : `${a}:4000`), a).toBe(true);
      }
    }
    expect(hosts.has('evil.example:4000')).toBe(false);
  });

  it('a specific address answers only that address; port 80 also without a port', () => {
    expect([...allowedHosts('192.168.7.9', 8080)]).toEqual(['192.168.7.9:8080']);
    expect(allowedHosts('127.0.0.1', 80).has('localhost')).toBe(true);
    expect(allowedHosts('127.0.0.1', 4000, ['LocalHost:9000']).has('localhost:9000')).toBe(true);
  });

  it('refuses foreign Host, foreign or opaque Origin, and cross-site subresource requests; admits navigation', () => {
    const ok = allowedHosts('127.0.0.1', 4000);
    expect(checkRequest({ host: '127.0.0.1:4000' }, ok, false)).toBeUndefined();
    expect(checkRequest({ host: '127.0.0.1:4000', origin: 'http://localhost:4000' }, ok, true)).toBeUndefined();
    expect(checkRequest({}, ok, false)).toMatch(/answers only at/);
    expect(checkRequest({ host: 'attacker.example:4000' }, ok, true)).toMatch(/answers only at/);
    for (const origin of ['http://127.0.0.1:4001', 'null', 'https://127.0.0.1:4000', 'http://127.0.0.1:4000/x', 'file://']) {
      expect(checkRequest({ host: '127.0.0.1:4000', origin }, ok, true), origin).toMatch(/another web page/);
    }
    expect(checkRequest({ host: '127.0.0.1:4000', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' }, ok, false)).toMatch(/another web page/);
    expect(checkRequest({ host: '127.0.0.1:4000', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, ok, false)).toBeUndefined();
    expect(checkRequest({ host: '127.0.0.1:4000', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate' }, ok, true)).toMatch(/another web page/);
    expect(originAllowed('HTTP://LOCALHOST:4000', ok)).toBe(true);
  });

  it('parses only origin-form request targets, keeping // as a path', () => {
    expect(requestUrl('//')?.pathname).toBe('//');
    expect(requestUrl('//evil.example/x')?.host).toBe('attune.invalid');
    expect(requestUrl('/a?token=b')?.searchParams.get('token')).toBe('b');
    for (const t of ['*', 'http://evil.example/', '', undefined]) expect(requestUrl(t), String(t)).toBeUndefined();
  });

  it('attune serve --allow-host takes NAME:PORT and says so otherwise', async () => {
    await expect(serveCommand(['--allow-host', 'localhost'], memoryIo())).rejects.toThrow(/--allow-host takes NAME:PORT/);
    const io = memoryIo();
    expect(await serveCommand(['--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain('--allow-host');
  });
});
