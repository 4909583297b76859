// fengari (a Lua VM in JavaScript) ships no types; the health check test is its only user.
declare module 'fengari';
