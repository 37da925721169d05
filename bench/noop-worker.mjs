// piscina worker for the reference measurement: a JS no-op.
export default function noop() {
  return null;
}
