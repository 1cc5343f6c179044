// The Telegram Bot API emulator for the integration tests: `node telegram_test_api.js PORT`.
// Prints "listening" once it serves on 127.0.0.1:PORT; stops on SIGTERM.
'use strict';

const axios = require('axios');
const TelegramServer = require('telegram-test-api');
const { routes } = require('telegram-test-api/lib/routes/index');
const { getMe } = require('telegram-test-api/lib/routes/bot/getMe');

const port = Number(process.argv[2]);

// Where the emulator differs from Telegram in what aiogram checks, it is made to behave as
// Telegram does: getMe's user has is_bot; a callback query always has chat_instance; a message
// sent with edit_date arrives as an edited_message (the emulator knows only new messages).
routes[routes.indexOf(getMe)] = (app) => {
  app.all('/bot:token/getMe', (_req, res) => {
    const me = { id: 666, is_bot: true, first_name: 'Test First name', username: 'TestNameBot' };
    res.json({ ok: true, result: me });
  });
};
// Bot API calls arrive as form fields, objects among them as JSON text; the emulator echoes the
// message back as the result, where Telegram (and aiogram) have objects.
const normalizeMessage = TelegramServer.normalizeMessage;
TelegramServer.normalizeMessage = (message) => {
  for (const key of ['link_preview_options', 'reply_parameters']) {
    if (typeof message[key] === 'string') message[key] = JSON.parse(message[key]);
  }
  return normalizeMessage(message);
};
const formatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = (update) => {
  const formatted = formatUpdate(update);
  if (formatted.callback_query) {
    const query = update.callbackQuery;
    formatted.callback_query.chat_instance = String(query.chat_instance ?? query.from.id);
  }
  if (formatted.message && formatted.message.edit_date) {
    formatted.edited_message = formatted.message;
    delete formatted.message;
  }
  return formatted;
};

const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 3600 });

// Telegram sends setWebhook's secret_token with every webhook call; the emulator does not.
axios.interceptors.request.use((config) => {
  const hook = Object.values(server.webhooks).find((h) => h.url === config.url);
  if (hook && hook.secret_token) {
    config.headers['X-Telegram-Bot-Api-Secret-Token'] = hook.secret_token;
  }
  return config;
});

// A webhook call the gateway refuses rejects a promise nobody awaits; Node would exit on it.
process.on('unhandledRejection', (error) => {
  console.error(`unhandled rejection: ${error && error.message}`);
});

server.start().then(() => console.log('listening'));

process.on('SIGTERM', () => {
  server.stop().then(() => process.exit(0));
});
