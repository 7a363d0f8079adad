// The writer thread's entry (issue 13): the node's write connection and group commit, off the event loop.

import { workerData } from 'node:worker_threads';
import { openStoreAt, type StoreLocation } from './store-location.js';
import { hostWrites, type WriterThreadData } from './store/writer-thread-host.js';
import { writeCommands, type WriteCommandSettings } from './write-commands.js';

const data = workerData as WriterThreadData<WriteCommandSettings, StoreLocation>;
hostWrites(data, (options) => openStoreAt(data.location, options), (store) => writeCommands(store, data.settings));
