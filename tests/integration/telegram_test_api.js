// The Telegram Bot API emulator for the integration tests: `node telegram_test_api.js PORT`.
// Prints "listening" once it serves on 127.0.0.1:PORT; stops on SIGTERM.
'use strict';

const axios = require('axios');
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2]);

// Where the emulator differs from Telegram in what aiogram checks, it is made to behave as
// Telegram does: a callback query always has chat_instance (aiogram requires it), and a message
// sent with edit_date arrives as an edited_message (the emulator knows only new messages).
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
