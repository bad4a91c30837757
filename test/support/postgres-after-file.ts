import { dropDatabasesOfRemovedDirs } from './test-storage';

// The postgres project's spec files drop the databases of the data dirs they removed.
afterAll(() => dropDatabasesOfRemovedDirs());
