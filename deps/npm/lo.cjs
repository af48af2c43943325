// lo.cjs: preload (`node -r deps/npm/lo.cjs server.js`) that makes every
// TCP server of the process listen on 127.0.0.1 only, whatever host it
// asked for: the test peers (server-everything's streamableHttp binds all
// interfaces) must not be reachable from outside the machine.  Unix
// sockets and inherited handles are left alone.
// Optional, for test peers: LO_WATCH_PID=PID exits the process once PID is
// gone, LO_TIMEOUT=S after S seconds (so a test that dies leaves no server).
'use strict';
const net = require('net');
const HOST = '127.0.0.1';
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function (...args) {
	const a = args[0];
	if (a !== null && typeof a === 'object') {
		// listen(options[, cb]), or listen(handle[, backlog][, cb])
		if (a.path === undefined && a.fd === undefined &&
		    a.handle === undefined && a._handle === undefined &&
		    !(a instanceof net.Server) && !(a instanceof net.Socket))
			args[0] = Object.assign({}, a, { host: HOST });
	} else if (typeof a === 'string' && !/^\d+$/.test(a)) {
		// listen(path[, backlog][, cb]): a unix socket
	} else if (a === undefined || typeof a === 'function') {
		// listen([cb]): any port
		args.splice(0, a === undefined ? 1 : 0, 0, HOST);
	} else if (typeof args[1] === 'string' || args[1] == null && args.length > 1) {
		// listen(port, host[, backlog][, cb])
		args[1] = HOST;
	} else {
		// listen(port[, backlog][, cb])
		args.splice(1, 0, HOST);
	}
	return listen.apply(this, args);
};

const watch = Number(process.env.LO_WATCH_PID || 0);
const limit = Number(process.env.LO_TIMEOUT || 0);
if (watch > 0) {
	setInterval(() => {
		try {
			process.kill(watch, 0);
		} catch (e) {
			if (e.code === 'ESRCH')
				process.exit(0);
		}
	}, 200).unref();
}
if (limit > 0)
	setTimeout(() => process.exit(0), limit * 1000).unref();
