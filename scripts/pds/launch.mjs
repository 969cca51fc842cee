// Adapted from the shared peer recipe ../shared/peers/pds/launch.mjs; copied into the project
// so that tests and CI never depend on that folder.
// launch.mjs — run by start.sh with node 22. Starts, in this one process:
//   1. a local did:plc directory (@did-plc/server, in-memory mock database)
//   2. a PDS (@atproto/pds) whose PDS_DID_PLC_URL points at that PLC
// Every listening socket is forced onto 127.0.0.1.
//
// Inputs (env): PEERS_PDS_DIR (dir holding node_modules with @atproto/pds),
//   PDS_STATE_FILE (where to write the sourceable state once ready),
//   PDS_PORT / PLC_PORT (0 or unset = pick a free port), PDS_* (see README).
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const HOST = '127.0.0.1'

// --- force loopback: any listen() without an explicit host gets 127.0.0.1 ---
const origListen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  const a0 = args[0]
  if (a0 === undefined || a0 === null || typeof a0 === 'function') {
    args.splice(0, a0 === undefined || a0 === null ? 1 : 0, 0, HOST)
  } else if (typeof a0 === 'number' || (typeof a0 === 'string' && /^\d+$/.test(a0))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, HOST)
  } else if (typeof a0 === 'object' && !a0.path && !a0.handle && !a0.fd && a0.host === undefined) {
    args[0] = { ...a0, host: HOST }
  }
  return origListen.apply(this, args)
}

const pkgDir = process.env.PEERS_PDS_DIR
if (!pkgDir || !fs.existsSync(path.join(pkgDir, 'node_modules/@atproto/pds'))) {
  console.error(`launch: PEERS_PDS_DIR=${pkgDir} has no node_modules/@atproto/pds (run setup.sh)`)
  process.exit(2)
}
const req = createRequire(path.join(pkgDir, 'package.json'))
const plcMod = req('@did-plc/server')
const pdsMod = await import(pathToFileURL(req.resolve('@atproto/pds')).href)
const cryptoMod = await import(pathToFileURL(req.resolve('@atproto/crypto')).href)

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    origListen.call(s, 0, HOST, () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
const portFromEnv = async (name) => {
  const v = process.env[name]
  return v && v !== '0' ? parseInt(v, 10) : await freePort()
}

// --- 1. PLC directory ---
const plcPort = await portFromEnv('PLC_PORT')
const plc = plcMod.PlcServer.create({ db: plcMod.Database.mock(), port: plcPort })
await plc.start()
// @NOTE the PDS's DID resolver uses a "safe fetch" that refuses IP-literal hosts
// (allowIpHost: false), so the PLC URL must use a host name: localhost.
const plcUrl = `http://localhost:${plc.server.address().port}`

// --- 2. PDS ---
const E = process.env
E.PDS_PORT = String(await portFromEnv('PDS_PORT'))
E.PDS_HOSTNAME ??= 'localhost'
E.PDS_DID_PLC_URL ??= plcUrl
E.PDS_DEV_MODE ??= 'true'
E.PDS_INVITE_REQUIRED ??= 'false'
E.PDS_SERVICE_HANDLE_DOMAINS ??= '.test'
E.PDS_DISABLE_SSRF_PROTECTION ??= 'true'
E.PDS_ADMIN_PASSWORD ??= crypto.randomBytes(12).toString('hex')
E.PDS_JWT_SECRET ??= crypto.randomBytes(32).toString('hex')
E.PDS_DPOP_SECRET ??= crypto.randomBytes(32).toString('hex')
if (!E.PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX) {
  const kp = await cryptoMod.Secp256k1Keypair.create({ exportable: true })
  E.PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX = Buffer.from(await kp.export()).toString('hex')
}
if (!E.PDS_DATA_DIRECTORY) throw new Error('PDS_DATA_DIRECTORY must be set (start.sh sets it)')
E.PDS_BLOBSTORE_DISK_LOCATION ??= path.join(E.PDS_DATA_DIRECTORY, 'blobs')
fs.mkdirSync(E.PDS_DATA_DIRECTORY, { recursive: true })

const pds = await pdsMod.PDS.fromEnv(pdsMod.readEnv())
await pds.start()
const pdsPort = pds.server.address().port
const cfg = pds.ctx.cfg

// --- ready: write sourceable state file ---
const q = (v) => `'${String(v).replace(/'/g, `'\\''`)}'`
const state = {
  PDS_URL: cfg.service.publicUrl, // canonical URL (what DID documents point at)
  PDS_HOST_URL: `http://${HOST}:${pdsPort}`,
  PDS_PORT: pdsPort,
  PLC_URL: cfg.identity.plcUrl,
  PDS_ADMIN_PASSWORD: E.PDS_ADMIN_PASSWORD,
  PDS_SERVICE_DID: cfg.service.did,
  PDS_HANDLE_DOMAINS: cfg.identity.serviceHandleDomains.join(','),
  PDS_INVITE_REQUIRED: String(cfg.invites.required),
  PDS_DATA_DIRECTORY: E.PDS_DATA_DIRECTORY,
  PDS_LOG: E.LOG_DESTINATION ?? '',
  PDS_PID: process.pid,
}
const body = Object.entries(state).map(([k, v]) => `${k}=${q(v)}`).join('\n') + '\n'
if (E.PDS_STATE_FILE) {
  fs.writeFileSync(E.PDS_STATE_FILE + '.tmp', body, { mode: 0o600 })
  fs.renameSync(E.PDS_STATE_FILE + '.tmp', E.PDS_STATE_FILE)
}
process.stdout.write('launch: ready\n' + body)

// --- shutdown on SIGTERM / SIGINT ---
let stopping = false
const shutdown = async (sig) => {
  if (stopping) return
  stopping = true
  process.stdout.write(`launch: ${sig} received, shutting down\n`)
  setTimeout(() => process.exit(0), 8000).unref()
  try { await pds.destroy() } catch (e) { console.error('pds.destroy:', e) }
  try { await plc.destroy() } catch (e) { console.error('plc.destroy:', e) }
  process.exit(0)
}
process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
