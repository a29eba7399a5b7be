import { HandlerCatalog } from './handler-catalog.js';

describe('HandlerCatalog', () => {
  it('registers the built-ins, the module under its file name and the remote handlers; the module is the default', () => {
    const sut = new HandlerCatalog({ handler: 'module:./agents/research-team.js', remoteHandlers: ['review'] });

    expect(sut.names).toEqual(['scripted', 'research-team', 'review']);
    expect(sut.modulePath).toBe('./agents/research-team.js');
    expect(sut.choose()).toEqual({ name: 'research-team', remote: false });
    expect(sut.choose('scripted')).toEqual({ name: 'scripted', remote: false });
    expect(sut.choose('review')).toEqual({ name: 'review', remote: true });
  });

  it('an unknown name is UNKNOWN_HANDLER (400) listing the names there are', () => {
    const sut = new HandlerCatalog({ handler: 'scripted', remoteHandlers: ['review'] });

    expect(() => sut.choose('nope')).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_HANDLER', status: 400, details: { handlers: ['scripted', 'review'] } }),
    );
  });

  it('a remote handler may be the default', () => {
    expect(new HandlerCatalog({ handler: 'review', remoteHandlers: ['review'] }).choose()).toEqual({ name: 'review', remote: true });
  });

  it.each([
    [{ handler: 'gpt', remoteHandlers: [] }, /DELIBERATION_HANDLER="gpt": must be one of scripted, or module:/],
    [{ handler: 'module:', remoteHandlers: [] }, /DELIBERATION_HANDLER="module:": must be module:<path/],
    [{ handler: 'module:./scripted.js', remoteHandlers: [] }, /not a built-in handler's \(scripted\)/],
    [
      { handler: 'scripted', remoteHandlers: ['scripted'] },
      /REMOTE_HANDLERS="scripted": must be names other than the in-process handlers' \(scripted\)/,
    ],
  ])('refuses the configuration %j with one line', (settings, line) => {
    expect(() => new HandlerCatalog(settings)).toThrow(line);
  });
});
